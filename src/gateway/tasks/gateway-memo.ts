/**
 * What the gateway itself records on each job it starts, in the workflow's memo next to the job's own
 * {@link JobMemo}: set once at start (the job never writes it), so a reader has the caller-facing facts (our id,
 * the caller's submit time and `state`, the proxy action name) from `describe` or visibility alone.
 */
import type { JobMemo } from '../../shared/job-memo';

export const GATEWAY_MEMO_KEY = 'mjGateway';
export const GATEWAY_MEMO_VERSION = 1;

export interface GatewayMemo {
  v: typeof GATEWAY_MEMO_VERSION;
  tenant: string;
  /** Our 16-digit task id. */
  taskId: string;
  /** The proxy action name shown to callers (IMAGINE, UPSCALE, INPAINT, …). */
  action: string;
  /** Epoch ms of the caller's (first) submit. */
  submitTime: number;
  prompt: string;
  /** The caller's `state`, echoed on the task. */
  state?: string;
  /** Our id of the parent task (actions, modals, changes). */
  parentId?: string;
  /** `/mj/submit/<endpoint>` that created the task. */
  endpoint: string;
  /** True when the task has a callback delivery workflow. */
  notify?: boolean;
  /** Base URL the caller used, for absolute image URLs in callbacks. */
  baseUrl?: string;
  /** With an `Idempotency-Key`: the fingerprint of the request the key was first used with (see job-starter). */
  requestHash?: string;
}

/** A job as read from describe/visibility: the two memos and the Temporal execution status. */
export interface JobView {
  gateway: GatewayMemo;
  /** The job's read model; absent only until the workflow's first upsert when the start carried none. */
  job?: JobMemo;
  /** Temporal execution status name (RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, …). */
  execution: string;
}
