/**
 * Poll timing of a job: the merged policy, interval growth with jitter, and the phase deadlines. Pure and
 * workflow-safe, so unit tests cover the arithmetic without a server.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { SpeedMode, TaskStatus } from '../../mj/types';
import { DEFAULT_POLL_POLICY, WEBHOOK_INTERVAL_CAP, WEBHOOK_INTERVAL_FACTOR } from '../../shared/defaults';
import { durationToMs } from '../../shared/duration';
import { JOB_FAILURE } from '../../shared/failure-types';
import { parseProgress } from '../../mj/terms/progress';
import type { PollPolicy } from '../../shared/types';

/** A {@link PollPolicy} in milliseconds. */
export interface ResolvedPolicy {
  initialMs: number;
  maxMs: number;
  webhookMs: number;
  coefficient: number;
  jitter: number;
  queuedMs: number;
  stallMs: number;
  totalMs: number;
  modalMs?: number;
}

/**
 * Merges caller overrides over the per-mode defaults. Bad values end the job as `ValidationRejected`: a TypeError
 * would fail the workflow task and retry forever.
 */
export function resolvePolicy(mode: SpeedMode, overrides: Partial<PollPolicy> = {}): ResolvedPolicy {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const p: PollPolicy = { ...DEFAULT_POLL_POLICY[mode], ...defined };
  try {
    const r: ResolvedPolicy = {
      initialMs: durationToMs(p.initialInterval),
      maxMs: durationToMs(p.maxInterval),
      webhookMs:
        p.webhookInterval === undefined
          ? defaultWebhookMs(durationToMs(p.maxInterval))
          : durationToMs(p.webhookInterval),
      coefficient: p.backoffCoefficient,
      jitter: p.jitter,
      queuedMs: durationToMs(p.queuedTimeout),
      stallMs: durationToMs(p.stallTimeout),
      totalMs: durationToMs(p.totalTimeout),
      modalMs: p.modalTimeout === undefined ? undefined : durationToMs(p.modalTimeout),
    };
    if (r.initialMs <= 0 || r.maxMs < r.initialMs) throw new TypeError('maxInterval must be ≥ initialInterval > 0');
    if (!(r.webhookMs >= r.initialMs)) throw new TypeError('webhookInterval must be ≥ initialInterval');
    if (!(r.coefficient >= 1)) throw new TypeError('backoffCoefficient must be ≥ 1');
    if (!(r.jitter >= 0 && r.jitter < 1)) throw new TypeError('jitter must be in [0, 1)');
    return r;
  } catch (err) {
    throw ApplicationFailure.create({
      type: JOB_FAILURE.validation,
      message: `invalid poll policy: ${(err as Error).message}`,
      nonRetryable: true,
    });
  }
}

/**
 * The safety-net interval when the policy names none: a multiple of `maxInterval`, capped at
 * {@link WEBHOOK_INTERVAL_CAP}. Safety-net waits are jittered downwards only ({@link jitteredBelow}), so a lost
 * terminal webhook is noticed within the cap.
 */
export function defaultWebhookMs(maxMs: number): number {
  return Math.min(WEBHOOK_INTERVAL_FACTOR * maxMs, durationToMs(WEBHOOK_INTERVAL_CAP));
}

/**
 * The phase deadlines of `mode` with the caller's overrides on top (for a task that reports another mode than the
 * requested one). Only deadlines: the poll intervals stay the requested mode's.
 */
export function deadlinesFor(
  mode: SpeedMode,
  overrides: Partial<PollPolicy> = {}
): Pick<ResolvedPolicy, 'queuedMs' | 'stallMs' | 'totalMs'> {
  const d = DEFAULT_POLL_POLICY[mode];
  return {
    queuedMs: durationToMs(overrides.queuedTimeout ?? d.queuedTimeout),
    stallMs: durationToMs(overrides.stallTimeout ?? d.stallTimeout),
    totalMs: durationToMs(overrides.totalTimeout ?? d.totalTimeout),
  };
}

/** The next wait while nothing changes; with webhooks arriving, polling is the safety net at `webhookMs`. */
export function growInterval(currentMs: number, p: ResolvedPolicy, hooked = false): number {
  if (hooked) return p.webhookMs;
  return Math.min(p.maxMs, Math.max(p.initialMs, currentMs * p.coefficient));
}

/** Statuses a webhook hint must be confirmed for at once: the job acts on them. Progress hints only inform. */
export function hintNeedsFetch(status: string | undefined): boolean {
  return status === undefined || !(status === 'NOT_START' || status === 'SUBMITTED' || status === 'IN_PROGRESS');
}

/** The job's poll waits use the one jitter formula (job-run.ts imports them from here). */
export { jittered, jitteredBelow } from '../common/jitter';

export type DeadlineKind = 'queued' | 'stall' | 'total';

export interface DeadlineClock {
  /** Submit accepted (total timeout counts from here). */
  submittedAt: number;
  /** Start of the current no-progress phase (submit, or modal input submitted). */
  queuedSince: number;
  /** Last change of status or progress. */
  lastChangeAt: number;
  /** The task has started running since `queuedSince`. */
  running: boolean;
  /** Time parked in MODAL, which the total timeout does not count. */
  modalWaitedMs: number;
  /**
   * The task does not report the mode it runs in (a new-api gateway drops `mode`), so the requested mode may not be
   * the one that runs: while it runs, the total deadline is {@link ALIVE_TOTAL_CAP_MS} and the stall deadline (a task
   * that stops advancing) decides. Absent on histories recorded before the new-api gateway paths.
   */
  modeUnconfirmed?: boolean;
}

/**
 * The longest a running task that keeps advancing may take when its mode is not confirmed: the slowest mode's default
 * total (RELAX, 6 h). A FAST job that runs RELAX behind a gateway needs RELAX's time, not FAST's 2 h.
 */
export const ALIVE_TOTAL_CAP_MS = durationToMs(DEFAULT_POLL_POLICY.RELAX.totalTimeout);

/** The nearest phase deadline. */
export function nextDeadline(c: DeadlineClock, p: ResolvedPolicy): { kind: DeadlineKind; at: number } {
  const phase: { kind: DeadlineKind; at: number } = c.running
    ? { kind: 'stall', at: c.lastChangeAt + p.stallMs }
    : { kind: 'queued', at: c.queuedSince + p.queuedMs };
  // A running task with an unconfirmed mode is alive while it advances: the stall deadline moves with each change,
  // and only the cap bounds it. A queued one shows no progress to judge by, so the requested mode's deadlines stay.
  const totalMs = c.modeUnconfirmed && c.running ? Math.max(p.totalMs, ALIVE_TOTAL_CAP_MS) : p.totalMs;
  const total = c.submittedAt + totalMs + c.modalWaitedMs;
  return total < phase.at ? { kind: 'total', at: total } : phase;
}

/**
 * The earliest time the next fetch is worth making: a gateway answers from a copy it refreshes every `refreshMs`
 * (new-api: 15 s), so a fetch sooner after the last one can only repeat it. 0 (a live proxy) never delays.
 */
export function earliestFetchAt(lastFetchAt: number | undefined, refreshMs: number): number {
  return lastFetchAt === undefined || refreshMs <= 0 ? 0 : lastFetchAt + refreshMs;
}

const STATUS_RANK: Record<string, number> = {
  NOT_START: 0,
  SUBMITTED: 1,
  MODAL: 1,
  IN_PROGRESS: 3,
  SUCCESS: 5,
  FAILURE: 5,
  CANCEL: 5,
};

/** Order of task states as the proxies rank notifications (§10): IN_PROGRESS counts 3 + pct/100. */
export function progressRank(status: TaskStatus | undefined, progress: string | undefined): number {
  if (!status) return -1;
  const base = STATUS_RANK[status] ?? 2;
  const pct = parseProgress(progress);
  return status === 'IN_PROGRESS' && pct !== null ? base + pct / 100 : base;
}
