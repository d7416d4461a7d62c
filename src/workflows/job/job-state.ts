/**
 * The state of one job run, in one object that every part of the job reads and writes: `carry` is what survives a
 * continue-as-new ({@link toCarry} copies it), the rest is rebuilt by each run. Only `JobRun` moves the phase; the
 * parts see it read-only ({@link JobStateView}) and ask for a move through the {@link EnterPhase} they are given.
 */
import type { ApplicationFailure } from '@temporalio/workflow';
import type { IntentSpec, SpeedMode } from '../../mj/types';
import type { FetchTaskInput } from '../../shared/job-activities';
import { DEFAULT_MODE, DEFAULT_SUBMIT_BACKOFF } from '../../shared/defaults';
import { durationToMs } from '../../shared/duration';
import type { JobProvenance, JobReported } from '../../shared/job-read-model';
import { makeStateKey } from '../../shared/state-key';
import type {
  CapturedImage,
  JobCarry,
  JobInput,
  JobPhase,
  JobProgress,
  JobWaitingFor,
  ModalAck,
  TaskButton,
  TaskChangedHint,
} from '../../shared/types';
import type { JobHost, KeywordKey } from './host';
import { resolvePolicy, type ResolvedPolicy } from './poll';

/** What a job carries across continue-as-new; the counters a run always has are required here. */
export type CarriedState = JobCarry & Required<Pick<JobCarry, 'hooked' | 'modalWaitedMs' | 'memoSeq'>>;

export interface ModalOutcome {
  attempt: number;
  ack?: ModalAck;
  error?: ApplicationFailure;
}

/** Where the modal input being submitted came from: decides whether a refusal may be corrected by a person. */
export type ModalSource = 'given' | 'person' | 'auto';

export interface JobState {
  readonly input: JobInput;
  readonly request: JobInput['request'];
  readonly intent: IntentSpec | undefined;
  readonly carry: CarriedState;
  /** The requested mode; with several upstreams, the one routing chose once the submit was accepted. */
  mode: SpeedMode;
  // Rebuilt by the first fetch of a run.
  progressPct: number | null;
  previewUrl: string | null;
  /** What the latest confirmed snapshot reported for readers (result texts, media URLs). */
  reported: JobReported | undefined;
  /** What produced the images, as far as known (the seed once the task succeeded and the upstream gave it). */
  provenance: JobProvenance | undefined;
  action: string | undefined;
  buttons: TaskButton[];
  failReason: string | undefined;
  hintPending: boolean;
  /** The pool said an upstream came back since the last wait for one (see JobRun.onUpstreamAvailable). */
  upstreamWake: boolean;
  modalPending: boolean;
  /** Workflow time the current MODAL child appeared, to judge its age when a person answers. */
  modalChildSince: number | undefined;
  waitingFor: JobWaitingFor | undefined;
  modalSource: ModalSource | undefined;
  modalAttempt: number;
  modalOutcome: ModalOutcome | undefined;
  failure: JobProgress['failure'];
  upstreamCancel: JobProgress['upstreamCancel'];
  images: CapturedImage[];
  /**
   * How often the server refreshes what fetch answers (a gateway's poller), from the latest submit or fetch result;
   * 0 for live proxies and for histories recorded before `refreshMs` existed. No poll comes sooner after the last read.
   */
  refreshMs: number;
  /** Workflow time of the last read of the task (a fetch, or the submit that created it). */
  lastReadAt: number | undefined;
  /** The mode the task says it runs in; null when the upstream does not say (a new-api gateway drops it). */
  reportedMode: SpeedMode | null | undefined;
  /** Upstreams that refused this submit (proven not accepted), counted and skipped by the next attempt. */
  failovers: number;
  exclude: string[];
  /** The poll policy of `mode` (see {@link pol}). */
  policy: ResolvedPolicy | undefined;
  /** Whether the deadline rule that follows the reported progress applies (asked once, see deadlines.ts). */
  deadlineRule: boolean | undefined;
  /** `JOB_PATCH.currentPaths` applies: every patch it stands for is taken without asking (no marker of its own). */
  current: boolean;
  /** `JOB_PATCH.jobCost` applies to this run. */
  cost: boolean;
  /** A hint that arrived while the submit was in flight (see Poller.onTaskChanged). */
  earlyHint: TaskChangedHint | undefined;
  /** Search attributes held back to go out with the next upsert (one event instead of two). */
  deferredKeywords: [KeywordKey, string | undefined][];
}

/** The state as the parts of a job see it: the phase is `JobRun`'s to move. */
export type JobStateView = Omit<JobState, 'carry'> & {
  readonly carry: Omit<CarriedState, 'phase'> & { readonly phase: JobPhase };
};

/** Moves the job to `phase` (implemented by `JobRun`, the phase's only writer). */
export type EnterPhase = (phase: JobPhase) => void;

export function newJobState(input: JobInput, host: JobHost): JobState {
  const c = input.carry;
  const request = input.request;
  const carry: CarriedState = {
    ...c,
    step: c?.step ?? 0,
    parentTaskId: request.kind === 'action' ? request.parentTaskId : undefined,
    phase: c?.phase ?? 'submitting',
    timings: c?.timings ?? { startedAt: host.now() },
    submits: c?.submits ?? 0,
    fetches: c?.fetches ?? 0,
    wakeups: c?.wakeups ?? 0,
    hooked: c?.hooked ?? false,
    modalWaitedMs: c?.modalWaitedMs ?? 0,
    memoSeq: c?.memoSeq ?? 0,
    modalInput: c?.modalInput ?? input.modal,
  };
  return {
    input,
    request,
    intent: request.kind === 'action' ? request.intent : undefined,
    carry,
    mode: c?.owner?.mode ?? input.mode ?? input.modes?.[0] ?? DEFAULT_MODE,
    progressPct: null,
    previewUrl: null,
    reported: undefined,
    provenance: undefined,
    action: undefined,
    buttons: [],
    failReason: undefined,
    hintPending: false,
    upstreamWake: false,
    modalPending: false,
    modalChildSince: undefined,
    waitingFor: undefined,
    modalSource: carry.modalInput === undefined ? undefined : input.modal !== undefined ? 'given' : 'person',
    modalAttempt: 0,
    modalOutcome: undefined,
    failure: undefined,
    upstreamCancel: undefined,
    images: [],
    refreshMs: 0,
    lastReadAt: undefined,
    reportedMode: undefined,
    failovers: 0,
    exclude: [],
    policy: undefined,
    deadlineRule: undefined,
    current: false,
    cost: false,
    earlyHint: undefined,
    deferredKeywords: [],
  };
}

/**
 * The carried state, as the next run gets it. Modal input is carried only while it is still to submit (given for a
 * MODAL that has not appeared yet); once submitted it is not needed.
 */
export function toCarry(s: JobStateView): JobCarry {
  const c = s.carry;
  return { ...c, modalInput: c.modalSubmittedFor === undefined ? c.modalInput : undefined };
}

export function finished(s: JobStateView): boolean {
  const phase = s.carry.phase;
  return phase === 'succeeded' || phase === 'failed' || phase === 'cancelled';
}

/** The poll policy of the mode the job runs in. */
export function pol(s: JobStateView): ResolvedPolicy {
  s.policy ??= resolvePolicy(s.mode, s.input.policy);
  return s.policy;
}

export function stateKey(s: JobStateView, host: JobHost): string {
  return makeStateKey(host.workflowId, s.carry.step);
}

/** The owner of the task for calls on it (fetch, modal, cancel, capture); nothing with one upstream. */
export function ownerRef(s: JobStateView): { upstreamId?: string } {
  return s.carry.owner ? { upstreamId: s.carry.owner.upstreamId } : {};
}

/** A poll's routing fields: the owner, and the reservation to free once the task ends. */
export function routeRef(s: JobStateView, host: JobHost): Omit<FetchTaskInput, 'taskId'> {
  const owner = s.carry.owner;
  if (!owner) return {};
  const requestId = s.carry.route?.requestId;
  return { upstreamId: owner.upstreamId, stateKey: stateKey(s, host), ...(requestId ? { requestId } : {}) };
}

/** The task in `taskId` is (or may become) a MODAL child waiting for input. */
export function parkOnModal(s: JobStateView, host: JobHost): void {
  s.modalPending = true;
  s.modalChildSince ??= host.now();
}

/** The submit's retry schedule (also the modal submit's, and the ceiling of a reconcile's lookups). */
export const SUBMIT_BACKOFF = {
  initialMs: durationToMs(DEFAULT_SUBMIT_BACKOFF.initialInterval),
  maxMs: durationToMs(DEFAULT_SUBMIT_BACKOFF.maxInterval),
  coefficient: DEFAULT_SUBMIT_BACKOFF.backoffCoefficient,
  jitter: 0.1,
};
