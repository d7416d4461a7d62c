/**
 * `callbackDeliveryWorkflow`: delivers every change of one gateway job to the caller's notifyHook, durably. The
 * gateway starts it before the job (id `mj-gw-cb-<tenant>-<taskId>`, gateway task queue); the job signals
 * `jobChanged` with a growing `seq` at each memo change. Changes are delivered one at a time in `seq` order by
 * an activity that Temporal retries with backoff for a day, so a receiver that is down for hours misses nothing and
 * sees them in order. The log (query) says what happened to each; an update replays one or all.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Duration } from '../../shared/duration';
import { DeliveryLog } from './delivery-log';
import {
  getDeliveriesQuery,
  jobChangedSignal,
  replayDeliveriesUpdate,
  type CallbackActivities,
  type CallbackInput,
} from './messages';

function activitiesFor(input: CallbackInput) {
  const r = input.retry ?? {};
  return proxyActivities<CallbackActivities>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: (r.giveUpAfter ?? '25h') as Duration,
    retry: {
      initialInterval: (r.initialInterval ?? '1s') as Duration,
      maximumInterval: (r.maximumInterval ?? '5m') as Duration,
      backoffCoefficient: 2,
      nonRetryableErrorTypes: ['CallbackRejected'],
    },
  });
}

export async function callbackDeliveryWorkflow(input: CallbackInput): Promise<void> {
  const log = new DeliveryLog(input.taskId, input.url);
  const { deliverCallback } = activitiesFor(input);

  setHandler(jobChangedSignal, (c) => void log.onChanged(c));
  setHandler(getDeliveriesQuery, () => log.view());
  setHandler(replayDeliveriesUpdate, ({ seq }) => ({ queued: log.replay(seq) }), {
    validator: ({ seq }) => {
      if (seq !== undefined && !log.knows(seq))
        throw ApplicationFailure.create({
          type: 'CallbackReplayRejected',
          message: `seq ${seq} is not a change of this task`,
          nonRetryable: true,
          details: [{ field: 'seq', rule: 'exists' }],
        });
    },
  });

  for (;;) {
    // Closes after `keepOpenFor` without a change or replay (a job waiting in MODAL for longer keeps it open only
    // while changes keep coming; a later change restarts nothing, the log ends).
    const open = await condition(() => log.hasPending(), input.keepOpenFor ?? '7d');
    if (!open) break;
    const c = log.next()!;
    try {
      const r = await deliverCallback({
        tenant: input.tenant,
        taskId: input.taskId,
        jobWorkflowId: input.jobWorkflowId,
        url: input.url,
        seq: c.seq,
        memo: c.memo,
      });
      log.record(c.seq, r, Date.now());
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const rejected = cause instanceof ApplicationFailure && cause.type === 'CallbackRejected';
      log.record(
        c.seq,
        { outcome: rejected ? 'rejected' : 'gave-up', error: (cause as Error)?.message ?? 'failed' },
        Date.now()
      );
    }
  }
  await condition(allHandlersFinished);
}
