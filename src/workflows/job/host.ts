/**
 * What a job is given from outside: its activities and the Temporal facilities it uses ({@link JobHost}). The
 * workflow (`job-workflow.ts`) wires the real ones; unit tests pass a fake with a manual clock.
 */
import type {
  CancelUpstreamResult,
  CaptureImagesInput,
  FetchedTask,
  FetchTaskInput,
  RoutedLookupInput as FindTaskByStateInput,
  FoundTask,
  OwnedTask,
  SettleInput as SettleRoutedInput,
  SubmitModalInput,
  SubmitTaskInput,
  SubmitTaskResult,
} from '../../shared/job-activities';
import type { JobMemo } from '../../shared/job-memo';
import type { MJ_TASK_ID } from '../../shared/search-attributes';
import type { CapturedImage, JobInput } from '../../shared/types';
import type { JobPatchId } from './patches';

/** The activities a job calls (the worker's `createActivities` provides them). */
export interface JobActivities {
  submitTask(input: SubmitTaskInput): Promise<SubmitTaskResult>;
  submitModal(input: SubmitModalInput): Promise<{ taskId: string }>;
  fetchTask(input: FetchTaskInput): Promise<FetchedTask>;
  findTaskByState(input: FindTaskByStateInput): Promise<FoundTask | null>;
  settleRoutedSubmit(input: SettleRoutedInput): Promise<void>;
  cancelUpstreamTask(input: OwnedTask): Promise<CancelUpstreamResult>;
  captureImages(input: CaptureImagesInput & { upstreamId?: string }): Promise<CapturedImage[]>;
  fetchImageSeed(input: OwnedTask): Promise<{ seed?: string }>;
}

export type KeywordKey = typeof MJ_TASK_ID;

/** What the workflow gives a job: Temporal's clock, timers, history facts and side channels. */
export interface JobHost {
  readonly workflowId: string;
  readonly activities: JobActivities;
  now(): number;
  random(): number;
  sleep(ms: number): Promise<void>;
  /** Temporal's `condition`: true once `fn` holds, false when `timeoutMs` passed first. */
  condition(fn: () => boolean, timeoutMs?: number): Promise<boolean>;
  /** True when the history is long enough to continue as new (the server's suggestion counts). */
  historyIsLong(limit: number): boolean;
  /** Waits for running handlers, then continues as new with `input`. Never returns. */
  continueAsNew(input: JobInput): Promise<never>;
  /** Runs `fn` holding an account slot when the input asks for one. */
  holdingSlot<T>(resume: boolean, fn: () => Promise<T>): Promise<T>;
  /**
   * True when a wait for a person comes before taking the account slot: the job uses slots and its history is not
   * one that waited inside the slot (a `patched()` check, asked only for jobs that are about to wait).
   */
  waitOutsideSlot(): boolean;
  reportBackPressure(retryAfterMs?: number): Promise<void>;
  /** Upserts the keyword search attributes whose values changed. */
  upsertKeywords(pairs: [KeywordKey, string | undefined][]): void;
  /** Upserts the memo, sets the Web UI details and signals the observer (`notify.workflowId`). */
  publish(memo: JobMemo, seq: number, details: string): Promise<void>;
  /** Temporal's `patched(id)`: false while replaying a history recorded before the change. */
  patched(id: JobPatchId): boolean;
}
