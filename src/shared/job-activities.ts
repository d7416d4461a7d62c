/**
 * What the job's activities take and return, declared once for both sides: the workflow (`JobActivities` in
 * src/workflows/job/job-run.ts) and the implementations in src/activities, which import these types. Workflow-safe:
 * types only.
 */
import type { ModalInput, JobRequest, SlotPriority, TaskRoute, TaskSnapshot } from './types';
import type { SpeedMode } from '../mj/types';
import type { CostTags, SettlePart } from './upstreams/types';

/** A call on an existing task: its owner when routed; absent = the legacy single upstream (`mj`). */
export interface OwnedTask {
  taskId: string;
  upstreamId?: string;
}

export interface SubmitModalInput extends OwnedTask {
  /** The MODAL child (the id a code-21 answer or a MODAL fetch showed), never its parent. */
  taskId: string;
  input: ModalInput;
  mode?: SpeedMode;
}

export interface FetchTaskInput extends OwnedTask {
  /** Routed: the reservation to free once the task is terminal, and the charge's key (the state key) to refund. */
  requestId?: string;
  stateKey?: string;
}

export interface CancelUpstreamResult {
  cancelled: boolean;
  reason?: string;
}

export interface SubmitTaskInput {
  request: JobRequest;
  mode: SpeedMode;
  /** From `makeStateKey(workflowId, step)`: lets `findTaskByState` find this submit if its answer is lost. */
  stateKey: string;
  /**
   * Routed: modes in order of preference; the one routing chose is in the result. Empty: the pool's
   * `routing.modePreference` (the job named no mode). @default [mode]
   */
  modes?: SpeedMode[];
  /** Routed: upstreams that already refused this submit (failover), skipped by this attempt. */
  exclude?: string[];
  /** Routed: cost attribution for the ledger's budgets and charge. */
  costTags?: CostTags;
  /** Routed: batch work stays out of the places an upstream keeps for interactive work. @default 'interactive' */
  priority?: SlotPriority;
}

/** The task the proxy created: accepted (code 1), queued (22), parked in MODAL (21 on P/T), or legacy existed (N 21). */
export interface SubmitTaskResult {
  kind: 'accepted' | 'queued' | 'modal' | 'existed';
  taskId: string;
  /** Tasks ahead in the proxy's queue (code 22), when it said. */
  ahead?: number | null;
  /**
   * How often the server refreshes what fetch answers (a new-api gateway: 15 s), so the first poll waits at least
   * that long; absent for live proxies. @unit ms
   */
  refreshMs?: number;
  /** Routed: the owner's reservation (upstream, mode, price); absent with one upstream. */
  route?: TaskRoute;
  /**
   * Routed: the parts of the acceptance's bookkeeping that failed (pool down, ledger down); absent when all were done.
   * The job then runs `settleRoutedSubmit` (retried by Temporal) for them.
   */
  unsettled?: SettlePart[];
}

/**
 * What `fetchTask` returns: the snapshot, plus two facts a workflow needs behind a new-api gateway. Both
 * are absent where they do not apply, so histories of live proxies look as they did.
 */
export interface FetchedTask extends TaskSnapshot {
  // `stub` (from MjTask) is set, true only: the gateway's placeholder row before its first poll, "not yet known".
  /** How often the server refreshes what fetch answers (the client's `refreshIntervalMs`); absent when live. @unit ms */
  refreshMs?: number;
}

export interface FindTaskByStateInput {
  stateKey: string;
  /** A task id that may be the one; checked first, by id. */
  taskIdHint?: string;
}

/**
 * A reconciled task and, for a routed one, where it lives and the parts of its bookkeeping still to do (see
 * `SubmitTaskResult.unsettled`).
 */
export type FoundTask = TaskSnapshot & { route?: TaskRoute; unsettled?: SettlePart[] };

export interface RoutedLookupInput extends FindTaskByStateInput {
  /** The upstream the unknown attempt went to (from its failure details). */
  upstreamId?: string;
  /** Its reservation, to settle or give back. */
  route?: TaskRoute;
  costTags?: CostTags;
  /** The job's mode and action, to price a task found without a known route. */
  mode?: SpeedMode;
}

/** What settling an accepted routed task needs; also the input of the `settleRoutedSubmit` activity. */
export interface SettleInput {
  route: TaskRoute;
  taskId: string;
  /** The submit's state key: the charge's key, so a charge made twice is recorded once. */
  stateKey: string;
  costTags?: CostTags;
  /** The parts to do. @default both */
  parts?: SettlePart[];
}

export interface CaptureImagesInput {
  /** Names the key prefix `images/<jobId>`. */
  jobId: string;
  task: TaskSnapshot;
}
