/**
 * `upstreamPoolWorkflow`: the one entity workflow (id `mj-upstream-pool`) that routes submits across several
 * upstreams and keeps their health durably (issue 13), so a worker or server restart loses no in-flight count,
 * daily count, cooldown or disable.
 *
 * - The submit activity reserves with `reserveUpstreamUpdate` (update-with-start through the router client): the
 *   pool runs the pure `route` over its views and health and records the reservation (in flight). Idempotent by
 *   request id. It then reports the outcome (`reportUpstreamUpdate`): accepted counts today, failover cools the
 *   upstream down, disable takes it out, job-error frees without penalty, unknown keeps the reservation.
 * - The job's fetch releases (`releaseUpstreamUpdate`) when the task is terminal. A reservation whose workflow
 *   closed without releasing is reclaimed by a periodic describe (every `reclaimInterval`, jittered), reusing the
 *   slot manager's `describeSlotHolders` activity.
 * - Views and settings (never secrets) come with the start and later with `configureUpstreamsUpdate`: each reserve
 *   carries only the config version, and a mismatch answers `stale-config` so the worker sends its config.
 * - Operators enable / disable an upstream with `setUpstreamEnabledUpdate` and read `getUpstreamHealthQuery`.
 *
 * History: about 5 events per reserve, report or release (a workflow task, update accepted + completed), plus
 * about 10 per reclaim check while reservations exist; continue-as-new carries the book.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { SlotActivities } from '../slots/messages';
import { durationToMs } from '../../shared/duration';
import { rejection } from '../../shared/rejection';
import {
  configureUpstreamsUpdate,
  getUpstreamHealthQuery,
  releaseUpstreamUpdate,
  reportUpstreamUpdate,
  reserveUpstreamUpdate,
  setUpstreamEnabledUpdate,
  UPSTREAM_POOL_FAILURE,
  type UpstreamPoolInput,
} from './messages';
import { checkConfig, checkReport, checkReserve } from './pool-validation';
import { UpstreamBook } from './upstream-book';

/** @default for `reclaimInterval` */
export const UPSTREAM_RECLAIM_INTERVAL = '1m';
/** @default for `continueAsNewAfterEvents` */
export const UPSTREAM_POOL_CONTINUE_AS_NEW_EVENTS = 2_000;

// Describe calls are cheap reads; a failed check is simply tried again at the next interval.
const { describeSlotHolders } = proxyActivities<SlotActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
});

function jittered(ms: number, fraction: number): number {
  return Math.max(1, Math.round(ms * (1 + (Math.random() * 2 - 1) * fraction)));
}

function installHandlers(book: UpstreamBook): void {
  const now = (): number => Date.now();
  setHandler(
    reserveUpstreamUpdate,
    (req) => {
      if (req.configVersion !== book.config.version) return { kind: 'stale-config', version: book.config.version };
      const decision = book.reserve(req, now());
      return decision;
    },
    { validator: checkReserve }
  );
  setHandler(
    reportUpstreamUpdate,
    (input) => {
      book.report(input, now());
    },
    { validator: checkReport }
  );
  setHandler(releaseUpstreamUpdate, (input) => {
    if (input && typeof input.requestId === 'string') book.release(input.requestId, input.upstreamId);
  });
  setHandler(
    configureUpstreamsUpdate,
    (config) => {
      const version = book.configure(config);
      log.info('upstream pool configured', { version, upstreams: config.views.map((v) => v.id) });
      return version;
    },
    { validator: checkConfig }
  );
  setHandler(
    setUpstreamEnabledUpdate,
    (change) => {
      const snapshot = book.setEnabled(change, now());
      log.info('upstream switched by an operator', { upstreamId: change.upstreamId, enabled: change.enabled });
      return snapshot;
    },
    {
      validator: (change) => {
        if (!change || !book.isConfigured(change.upstreamId)) {
          throw rejection(UPSTREAM_POOL_FAILURE.unknownUpstream, `unknown upstream "${String(change?.upstreamId)}"`, {
            field: 'upstreamId',
            rule: 'configured',
          });
        }
      },
    }
  );
  setHandler(getUpstreamHealthQuery, () => book.snapshot(now()));
}

export async function upstreamPoolWorkflow(input: UpstreamPoolInput): Promise<void> {
  const book = new UpstreamBook(input.config, input.carry);
  const reclaimMs = durationToMs(input.reclaimInterval ?? UPSTREAM_RECLAIM_INTERVAL);
  installHandlers(book);

  async function reclaimClosedHolders(): Promise<void> {
    const holders = book.holders();
    let states: Awaited<ReturnType<SlotActivities['describeSlotHolders']>>;
    try {
      states = await describeSlotHolders({ holders: holders.map((workflowId) => ({ workflowId, firstRunId: '' })) });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('upstream reservation check failed; trying again later', { error: String(err) });
      return;
    }
    const closed = new Set(holders.filter((_, i) => states[i] === 'closed'));
    for (const r of [...book.reservations.values()]) {
      if (closed.has(r.workflowId) && book.reclaim(r.requestId)) {
        log.warn('upstream reservation reclaimed from a closed workflow', {
          workflowId: r.workflowId,
          upstreamId: r.upstreamId,
          mode: r.mode,
        });
      }
    }
  }

  // Its own loop, so a message wakes nothing but its handler: one timer per check, not one per message.
  async function reclaimLoop(): Promise<never> {
    for (;;) {
      await condition(() => book.reservations.size > 0);
      await sleep(jittered(reclaimMs, 0.2));
      if (book.reservations.size > 0) await reclaimClosedHolders();
    }
  }

  const shouldContinueAsNew = (): boolean => {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      info.historyLength > (input.continueAsNewAfterEvents ?? UPSTREAM_POOL_CONTINUE_AS_NEW_EVENTS)
    );
  };

  // Cooldowns need no timer either: routing compares them with the clock at each reserve.
  await Promise.race([reclaimLoop(), condition(shouldContinueAsNew)]);
  await condition(allHandlersFinished);
  await continueAsNew<typeof upstreamPoolWorkflow>({ ...input, config: book.config, carry: book.toCarry() });
}
