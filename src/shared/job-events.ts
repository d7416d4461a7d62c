/**
 * The job's event feed: what happened to a job, in order, derived from its read model ({@link JobMemo}). The
 * gateway's streams, the typed client's `events()`, callbacks, the console and the MCP server read this one feed.
 * Workflow-safe: types and constants only.
 */
import type { JobMemo } from './job-memo';

/** What an event says changed; one event may name several. */
export const JOB_EVENT_TYPES = [
  /** The job's phase changed (submitting, running, waiting, succeeded, …). */
  'phase',
  /** Upstream progress moved (a percentage, a preview). */
  'progress',
  /** The task offers new buttons. */
  'buttons',
  /** A result arrived: images, a video or result text. */
  'result',
  /** The job waits for a person (a MODAL) or an upstream; or stopped waiting. */
  'waiting',
  /** The job failed or was cancelled. */
  'failure',
] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

/** One entry of a job's feed. */
export interface JobEvent {
  /** The job's workflow id. */
  jobId: string;
  /**
   * Grows per job, across continue-as-new; never reused, so a reader resumes after the last seq it saw. The n-th memo
   * the job published is n (1, 2, 3 …, the `JobChanged.seq` observers get); a progress step kept beside the workflow
   * between memo n and n + 1 is n plus a fraction that grows with the progress.
   */
  seq: number;
  /** Epoch ms the change was published. */
  at: number;
  /** What changed since the previous event. */
  types: readonly JobEventType[];
  /** The read model after the change. */
  memo: JobMemo;
}
