/**
 * `upstreamPoolWorkflow`: the one entity workflow (id `mj-upstream-pool`) that routes submits across several
 * upstreams and keeps their health durably, so a worker or server restart loses no in-flight count,
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
 * - A workflow told to wait is remembered; when its upstream is enabled, the config changes, or an upstream down for
 *   connection failures answers the pool's probe again, it is signalled (`upstreamAvailableSignal`) and asks again.
 *
 * History: about 5 events per reserve, report or release (a workflow task, update accepted + completed), plus
 * about 10 per reclaim check while reservations exist; continue-as-new carries the book.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
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
  POOL_PATCH,
  setUpstreamEnabledUpdate,
  UPSTREAM_POOL_FAILURE,
  type ProbeActivities,
  type UpstreamPoolInput,
} from './messages';
import { upstreamAvailableSignal } from '../job/messages';
import { checkConfig, checkReport, checkReserve } from './pool-validation';
import { UpstreamBook } from './upstream-book';
import { RECLAIM_JITTER, UPSTREAM_POOL_CONTINUE_AS_NEW_EVENTS } from '../../shared/defaults';
import { historyIsLong } from '../common/history';
import { jittered } from '../common/jitter';

/** @default for `reclaimInterval` */
export const UPSTREAM_RECLAIM_INTERVAL = '1m';
/** How often an upstream down for connection failures is probed while workflows wait for it. @unit ms */
export const UPSTREAM_PROBE_INTERVAL_MS = 5_000;

// Describe calls are cheap reads; a failed check is simply tried again at the next interval.
const { describeSlotHolders } = proxyActivities<SlotActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
});

// A probe is one read; a worker that cannot answer in time counts as "still down" until the next round.
const { probeUpstream } = proxyActivities<ProbeActivities>({
  startToCloseTimeout: '15s',
  retry: { maximumAttempts: 1 },
});

const now = (): number => Date.now();

function installHandlers(book: UpstreamBook): void {
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
  const book = new UpstreamBook(input.config, input.carry, { prioritised: patched(POOL_PATCH.interactiveShare) });
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
      await sleep(jittered(reclaimMs, RECLAIM_JITTER, () => Math.random()));
      if (book.reservations.size > 0) await reclaimClosedHolders();
    }
  }

  /**
   * Tells the waiting workflows that an upstream came back (enabled, or a new config), so a pinned follow-up asks
   * again within seconds rather than at the end of its wait. A workflow that ended meanwhile is simply skipped.
   */
  let sending = false;
  async function wakeLoop(): Promise<never> {
    for (;;) {
      await condition(() => book.wakes.length > 0);
      const wakes = book.takeWakes();
      // Pools recorded before the wake replay without signals (their waiters were never told).
      if (!patched(POOL_PATCH.wakeWaiters)) continue;
      sending = true;
      await Promise.all(
        wakes.map(async ({ workflowId, upstreamId }) => {
          try {
            await getExternalWorkflowHandle(workflowId).signal(
              upstreamAvailableSignal,
              upstreamId ? { upstreamId } : {}
            );
          } catch (err) {
            if (isCancellation(err)) throw err;
            log.info('waiting workflow not woken (it ended)', { workflowId, error: String(err) });
          }
        })
      );
      sending = false;
    }
  }

  /**
   * While a workflow waits for an upstream down for connection failures, probe it every few seconds and end its
   * cooldown once it answers (its waiters are then woken). About 8 history events per round, only during such waits.
   */
  async function probeLoop(): Promise<never> {
    await condition(() => book.probeTargets(now()).length > 0);
    // Pools recorded before probing replay without these timers and activities: they never probe in this run.
    if (!patched(POOL_PATCH.probeDown)) await condition(() => false);
    for (;;) {
      await sleep(UPSTREAM_PROBE_INTERVAL_MS);
      const targets = book.probeTargets(now());
      if (targets.length === 0) {
        await condition(() => book.probeTargets(now()).length > 0);
        continue;
      }
      await Promise.all(
        targets.map(async (upstreamId) => {
          try {
            if ((await probeUpstream({ upstreamId })) === 'up') {
              book.cameBack(upstreamId, now());
              log.info('upstream answers again; its waiters are woken', { upstreamId });
            }
          } catch (err) {
            if (isCancellation(err)) throw err;
          }
        })
      );
    }
  }

  const shouldContinueAsNew = (): boolean =>
    historyIsLong(input.continueAsNewAfterEvents ?? UPSTREAM_POOL_CONTINUE_AS_NEW_EVENTS);

  // Cooldowns need no timer either: routing compares them with the clock at each reserve.
  await Promise.race([reclaimLoop(), wakeLoop(), probeLoop(), condition(shouldContinueAsNew)]);
  await condition(allHandlersFinished);
  // Wakes queued by the last messages go out before the next run starts (it carries the waiters, not the wakes).
  await condition(() => book.wakes.length === 0 && !sending);
  await continueAsNew<typeof upstreamPoolWorkflow>({ ...input, config: book.config, carry: book.toCarry() });
}
