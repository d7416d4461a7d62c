/**
 * Messages of the callback delivery workflow: the job's `jobChanged` signal, the delivery log query and
 * the replay update. Activities and the gateway import these; nothing here does I/O.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { JobMemo } from '../../shared/job-memo';
import type { Duration } from '../../shared/duration';

/** The job's signal, defined once by the job's messages (the job sends it, this workflow handles it). */
export { jobChangedSignal } from '../job/messages';

/** Retry policy of one delivery (at least a day by default, so a receiver down for hours misses nothing). */
export interface DeliveryRetry {
  /** @default '1s' */
  initialInterval?: Duration;
  /** @default '5m' */
  maximumInterval?: Duration;
  /** Give up on one change after this long. @default '25h' */
  giveUpAfter?: Duration;
}

export interface CallbackInput {
  tenant: string;
  /** Our 16-digit task id. */
  taskId: string;
  /** The job workflow whose changes are delivered. */
  jobWorkflowId: string;
  /** The caller's notifyHook (checked by the SSRF guard at submit and again at each delivery). */
  url: string;
  retry?: DeliveryRetry;
  /** How long the log stays open for replays after the last delivery. @default '7d' */
  keepOpenFor?: Duration;
}

export type DeliveryOutcome = 'delivered' | 'rejected' | 'gave-up';

export interface DeliveryRecord {
  seq: number;
  /** Phase of the job in this change. */
  phase: string;
  status: 'pending' | DeliveryOutcome;
  /** Attempts of the last delivery of this change. */
  attempts?: number;
  httpStatus?: number;
  /** Epoch ms of the last outcome. */
  at?: number;
  /** Why it was rejected or given up (never a secret). */
  error?: string;
  replays: number;
}

export interface DeliveryLogView {
  taskId: string;
  url: string;
  records: DeliveryRecord[];
  done: boolean;
}

/** What the delivery activity gets: everything the body is built from (secrets are in the activity's deps). */
export interface DeliverCallbackInput {
  tenant: string;
  taskId: string;
  jobWorkflowId: string;
  url: string;
  seq: number;
  memo: JobMemo;
}

export interface DeliverCallbackResult {
  outcome: 'delivered' | 'rejected';
  httpStatus?: number;
  attempts: number;
  error?: string;
}

export const getDeliveriesQuery = defineQuery<DeliveryLogView>('getDeliveries');
/** Re-sends one change (by `seq`) or all delivered ones; answers how many were queued. */
export const replayDeliveriesUpdate = defineUpdate<{ queued: number }, [{ seq?: number }]>('replayDeliveries');

/** The activity the callback workflow calls; `createCallbackActivities` in the gateway provides it. */
export interface CallbackActivities {
  deliverCallback(input: DeliverCallbackInput): Promise<DeliverCallbackResult>;
}
