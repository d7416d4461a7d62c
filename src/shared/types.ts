/**
 * Workflow inputs, outputs and message payloads. Plain serialisable data, workflow-safe.
 * Image bytes never appear here: images travel as references (see {@link ImageRef}).
 */
import type { ButtonIntent, FailReasonKind, IntentSpec, MjButton, MjTask, SpeedMode, TaskStatus } from '../mj/types';
import type { Duration } from './duration';
import type { JobPhase } from './job-phases';
import type { JobLineage, JobProvenance, JobReadFields } from './job-read-model';
import type { SlotPriority } from './priority-classes';
import type { CostTags, PricedAction, TaskOwner } from './upstreams/types';

/** A stored asset (mask, reference image, captured image). Bytes live in the asset store, never in history. */
export interface AssetRef {
  /** Store key, e.g. `masks/3f2a….png`. */
  key: string;
  sha256: string;
  size: number;
  contentType: string;
}

/** An image input: a public URL the proxy can read, or an asset stored beforehand by the client. */
export type ImageRef = { url: string } | { asset: AssetRef };

export type BotType = 'MID_JOURNEY' | 'NIJI_JOURNEY';
export type BlendDimensions = 'PORTRAIT' | 'SQUARE' | 'LANDSCAPE';

/** One upstream task to run. */
export type JobRequest =
  | { kind: 'imagine'; prompt: string; referenceImages?: ImageRef[]; botType?: BotType }
  | {
      kind: 'action';
      parentTaskId: string;
      intent: IntentSpec;
      enableRemix?: boolean;
      /**
       * Where the parent comes from: a job of this service ('job': a not-found parent is retried a few times, as a
       * task that has just finished can be missing for a moment) or a task created elsewhere ('external': a parent
       * the upstream does not know fails at once with `ParentTaskNotFound`). @default 'job'
       */
      parentOrigin?: 'job' | 'external';
      /**
       * The parent's owner: with several upstreams the action goes only there, never elsewhere (a task id
       * means nothing on another upstream). Filled from the parent job's memo by pipelines and `client.action`.
       * @default undefined (one upstream, or the parent's owner is not known: routing decides)
       */
      upstreamId?: string;
    }
  | { kind: 'blend'; images: ImageRef[]; dimensions?: BlendDimensions; botType?: BotType }
  | { kind: 'describe'; image: ImageRef; botType?: BotType }
  | { kind: 'shorten'; prompt: string; botType?: BotType }
  | { kind: 'edits'; prompt: string; image: ImageRef }
  | {
      kind: 'video';
      prompt: string;
      image?: ImageRef;
      endImage?: ImageRef;
      motion?: 'low' | 'high';
      loop?: boolean;
      batchSize?: 1 | 2 | 4;
    };

export type JobKind = JobRequest['kind'];

/** Input for a MODAL step (Vary Region, Custom Zoom, Remix, describe pick). */
export interface ModalInput {
  prompt?: string;
  /** The mask for Vary (Region), stored beforehand; white = repaint. */
  mask?: AssetRef;
}

/** Timing and polling policy for one job; every field has a per-mode default in `defaults.ts`. */
export interface PollPolicy {
  /** First wait after submit. */
  initialInterval: Duration;
  /** Longest wait between two fetches. */
  maxInterval: Duration;
  /**
   * Wait between two fetches once the proxy's webhooks are seen to arrive for the task: webhooks then carry the
   * news and polling is only the safety net for a lost one (so this bounds the latency of a lost webhook).
   * @default WEBHOOK_INTERVAL_FACTOR × maxInterval
   */
  webhookInterval?: Duration;
  /** Growth of the interval while nothing changes. */
  backoffCoefficient: number;
  /** ± fraction of random jitter on every interval, so many jobs do not wake together. */
  jitter: number;
  /** Longest time NOT_START/SUBMITTED before the first progress. */
  queuedTimeout: Duration;
  /** Longest time between two progress changes while IN_PROGRESS. */
  stallTimeout: Duration;
  /** Longest time from submit to a terminal state, MODAL waits excluded. */
  totalTimeout: Duration;
  /** Longest time a MODAL step waits for a person; undefined = forever. */
  modalTimeout?: Duration;
  /**
   * Oldest an unasked upstream MODAL child may be when a person's input arrives; an older (or FAILURE, or missing)
   * child is replaced by pressing the parent's button again, because gateways fail unfinished tasks an hour after
   * their submit and proxies drop old MODAL rows. @default '50m'
   */
  modalChildMaxAge?: Duration;
}

/**
 * Per-account, per-mode slot limits, enforced by one slot manager workflow per account × mode
 * (`src/workflows/slot-workflow.ts`). A slot is held from submit to the upstream task's terminal state.
 */
export interface SlotLimits {
  /** Upstream jobs of this account and mode running at once (MidJourney Pro: 12 fast, 3 relax). */
  limit: number;
  /** Most slots granted per UTC day; later requests wait for the next day. @default unlimited */
  dailyCap?: number;
  /** Least time between two grants (so two submits) of this account and mode. @default no spacing */
  minSpacing?: Duration;
  /**
   * Slots of `limit` never given to batch work (`SlotPriority` 'batch'), kept for people and agents; at most
   * `limit - 1`. @default SLOT_RESERVED_FOR_INTERACTIVE, capped at `limit - 1`
   */
  reservedForInteractive?: number;
}

export { SLOT_PRIORITIES, type SlotPriority } from './priority-classes';

/** An observer of a job (the gateway's callback delivery): signalled `jobChanged` (job-memo.ts) at each memo change. */
export interface JobNotify {
  /** Workflow id of the observer to signal (started before the job, e.g. by the gateway). */
  workflowId: string;
}

export interface JobInput {
  request: JobRequest;
  /** Speed mode; selects the path prefix and the default poll policy. @default 'FAST' */
  mode?: SpeedMode;
  /**
   * With several upstreams: modes in order of preference; routing takes the first one some upstream can
   * run now, and the job then runs (and polls) in that mode. @default [mode]; neither given: the pool's
   * `routing.modePreference`
   */
  modes?: SpeedMode[];
  /** Cost attribution (tenant, pipeline, batch) for the ledger and its budgets. @default undefined */
  costTags?: CostTags;
  /** Account key for slot accounting. @default 'default' */
  account?: string;
  /** Overrides of the per-mode poll policy. */
  policy?: Partial<PollPolicy>;
  /** Modal input known in advance (e.g. a pipeline that already has the mask): submitted without asking anyone. */
  modal?: ModalInput;
  /**
   * An upstream MODAL nobody asked for (Remix on the account, a gateway that rewrote 21 to 1) without `modal`:
   * 'auto' answers it with the task's own `finalPrompt`; 'ask' waits for a person. @default 'ask'
   */
  remix?: 'auto' | 'ask';
  /** Observer workflow signalled `jobChanged` at each memo change. @default undefined */
  notify?: JobNotify;
  /** The job's parent job, pipeline and batch; copied into its read model. @default undefined */
  lineage?: JobLineage;
  /**
   * Its place in the account's slot queue (with `slots`). Set by the starters (`jobSlotPriority`).
   * @default 'batch' for a job of a batch (`lineage.batchId` or `costTags.batchId`), else 'interactive'
   */
  priority?: SlotPriority;
  /** Download the result images into the asset store on SUCCESS. @default true */
  captureImages?: boolean;
  /**
   * What to do when a submit's outcome is unknown (timeout, reset, 5xx after sending) and the proxy cannot be
   * searched by `state` (gateways have no list endpoint): fail with `SubmitOutcomeUnknown` ('at-most-once') or
   * submit again ('at-least-once'). Where the proxy can be searched, the job always reconciles first.
   * @default 'at-most-once'
   */
  submitPolicy?: 'at-most-once' | 'at-least-once';
  /** Internal: state carried across continue-as-new. */
  carry?: JobCarry;
  /**
   * The job paths the starter's code knows (`JOB_PATHS_VERSION`): set, the run takes them without `patched()` markers
   * (2 history events less). Every starter in this repository sets it; runs without it ask `patched()`.
   * @default undefined (ask `patched()`)
   */
  pathsVersion?: number;
  /**
   * History length after which an idle-polling job continues as new (the server's own suggestion also counts).
   * @default CONTINUE_AS_NEW_EVENTS
   */
  continueAsNewAfterEvents?: number;
  /**
   * Hold a slot of the `account` × `mode` slot manager from submit to the upstream task's terminal state, so the
   * account never runs more than `limit` jobs at once (optionally a daily cap and a minimum spacing between submits).
   * The first request starts the manager; later requests with other limits update it unless an operator pinned
   * them with `configureSlotsUpdate`. @default undefined (no slot manager is involved)
   */
  slots?: SlotLimits;
}

/** What survives a continue-as-new of a job. */
export interface JobCarry {
  step: number;
  taskId?: string;
  parentTaskId?: string;
  phase: JobPhase;
  lastStatus?: TaskStatus;
  lastProgress?: string;
  timings: JobTimings;
  submits: number;
  fetches: number;
  wakeups: number;
  intervalMs?: number;
  /** A webhook for the current task has arrived, so polling is only the safety net. */
  hooked?: boolean;
  /** Start of the current no-progress-yet phase (submit accepted, or modal input submitted). */
  queuedSince?: number;
  /** Time spent parked in MODAL; excluded from the total deadline. */
  modalWaitedMs?: number;
  /** The MODAL child whose input was already submitted, so a stale MODAL fetch does not park again. */
  modalSubmittedFor?: string;
  /** Memo changes published so far (the observer's sequence continues across continue-as-new). */
  memoSeq?: number;
  /** Pre-supplied or accepted modal input not yet submitted upstream (e.g. a MODAL child still to appear). */
  modalInput?: ModalInput;
  /** With several upstreams: where the task lives (every follow-up goes there) and the reservation it holds. */
  owner?: TaskOwner;
  route?: TaskRoute;
}

/**
 * The reservation a routed submit made: what the submit activity reports back, so later calls free the
 * pool's slot (`requestId`) and the mode routing chose is the one the job runs in. No secrets.
 */
export interface TaskRoute {
  requestId: string;
  upstreamId: string;
  mode: SpeedMode;
  action: PricedAction;
  price: number;
  currency: string;
}

/** The job's phases are listed in `./job-phases` (`JOB_PHASES`). */
export type { JobPhase };

export interface JobTimings {
  /** Epoch ms (workflow time). */
  startedAt: number;
  submittedAt?: number;
  firstProgressAt?: number;
  lastChangeAt?: number;
  modalSince?: number;
  finishedAt?: number;
}

/** A button of the task, with what it does. */
export interface TaskButton extends MjButton {
  intent: ButtonIntent;
}

/**
 * The normalised upstream task as workflows see it: no free-form `properties` (they can leak hook URLs), only the
 * texts readers show from them. `promptEn`, `description` and `finalZhPrompt` are optional because snapshots recorded
 * in histories before they were kept have none; what readers take from a snapshot is `reportedTask` (job-memo.ts).
 */
export interface TaskSnapshot extends Omit<
  MjTask,
  'promptEn' | 'description' | 'state' | 'properties' | 'buttons' | 'finalZhPrompt'
> {
  /** The upstream's prompt after its translation and rewriting. */
  promptEn?: string;
  /** The upstream's description of the task ("/imagine …", "Submit success", …). */
  description?: string;
  /** properties.finalZhPrompt: the Chinese twin of `finalPrompt` (plus, new-api), null when the flavour has none. */
  finalZhPrompt?: string | null;
  buttons: TaskButton[];
  /** On FAILURE: what the failReason means (classified by the fetch activity, so workflows never parse text). */
  failKind?: FailReasonKind;
}

/** A result image kept in the asset store (issue: image capture). */
export interface CapturedImage {
  asset: AssetRef;
  /** 0 = the whole image or grid; 1–4 = grid quadrants. */
  index: number;
  sourceUrl: string;
}

export interface JobResult {
  taskId: string;
  task: TaskSnapshot;
  images: CapturedImage[];
  timings: JobTimings;
  submits: number;
  fetches: number;
  /** Several upstreams: where the task ran; follow-ups of this job go there. */
  owner?: TaskOwner;
  /** Submits refused by an upstream (proven not accepted) and sent elsewhere. */
  failovers?: number;
  /** The read model's provenance at the end (`JobReadFields.provenance`): the prompt's, and the seed it read. */
  provenance?: JobProvenance;
}

/** What a job waits for: a person ({@link ModalWaitingFor}), its upstream, or a budget. */
export type JobWaitingFor = ModalWaitingFor | UpstreamWaitingFor;

/**
 * A routed job that cannot submit now: every upstream busy or cooling down, its pinned owner down
 * (`upstreamId` set), or a budget that parks it (`reason: 'budget'`). Nothing is asked of a person (`needs` empty).
 */
export interface UpstreamWaitingFor {
  kind: 'upstream';
  upstreamId?: string;
  /** Why: the pool's reason ('queue-full', 'connection', 'disabled: auth', …) or 'budget'. */
  reason: string;
  since: number;
  /** When the job asks again (workflow time). */
  until?: number;
  needs: [];
  // Absent here; declared so readers written for a modal wait (`w.intent`, `w.taskId`) read both shapes.
  intent?: undefined;
  taskId?: undefined;
  expiresAt?: undefined;
}

/** What a job waits for from a person. `taskId` is absent while nothing was pressed upstream (`waiting-input`). */
export interface ModalWaitingFor {
  kind: 'modal';
  taskId?: string;
  intent?: IntentSpec;
  /** Epoch ms (workflow time) the wait began, and when it gives up (`modalTimeout`). */
  since: number;
  expiresAt?: number;
  needs: ('prompt' | 'mask')[];
}

/** Answer of the progress query: the read model's fields ({@link JobReadFields}) and what only the query has. */
export interface JobProgress extends JobReadFields {
  progressPct: number | null;
  previewUrl: string | null;
  buttons: ButtonIntent[];
  timings: JobTimings;
  /** Set while the job waits for a person, or (routed) for an upstream or a budget. */
  waitingFor?: JobWaitingFor;
  failure?: { type: string; message: string };
  submits: number;
  fetches: number;
  wakeups: number;
  /** Outcome of the best-effort upstream cancel after the workflow was cancelled. */
  upstreamCancel?: { cancelled: boolean; reason?: string };
}

/** Answer of the `provideModalInput` update once the modal submit was accepted upstream. */
export interface ModalAck {
  /** The MODAL child task that now runs. */
  taskId: string;
  accepted: true;
}

/** Payload of the signal the webhook receiver sends: a hint only; the workflow confirms with a fetch. */
export interface TaskChangedHint {
  taskId: string;
  status?: string;
  progress?: string;
  /**
   * The upstream whose per-upstream webhook token the delivery used; absent for the legacy token. A job
   * ignores a hint from another upstream than its owner.
   */
  upstreamId?: string;
}
