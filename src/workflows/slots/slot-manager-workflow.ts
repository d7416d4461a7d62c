/**
 * `slotManagerWorkflow`: one entity workflow per account × speed mode (id `mj-slots-<account>-<mode>`) that hands out
 * slots, so an account never runs more upstream jobs at once than MidJourney allows it (e.g. 12 fast / 3 relax).
 *
 * - Holders (job workflows, through `withAccountSlot` in `./account-slot`) ask with `acquireSlotSignal`, sent by an activity
 *   with signal-with-start; they wait in one FIFO queue and get `slotGrantedSignal` when the limit, the optional daily
 *   cap (UTC day), the minimum spacing between grants and a back-pressure cool-down all allow it.
 * - A holder is identified by workflow id and `<firstExecutionRunId>/<key>`, so a request repeated by a retried
 *   activity, a refreshed wait or a continued-as-new run keeps its place or its slot; releasing twice is harmless.
 * - Holders release with `releaseSlotSignal` when done, failed or cancelled. A holder that closes without releasing
 *   (terminated, timed out, worker bug) is found by a periodic describe (every `reclaimInterval`, jittered) and its
 *   slot reclaimed; a grant that cannot be delivered (holder gone) frees the slot at once.
 * - Interactive requests (a person's or an agent's job) are granted ahead of waiting batch ones, and batch work never
 *   holds more than `limit - reservedForInteractive` slots (see `src/shared/slot-priority.ts`). Managers recorded
 *   before this rule keep one first-come queue until they continue as new (patch {@link SLOT_PATCH}).
 * - Limits come from the first request and follow later requests until an operator sets them with
 *   `configureSlotsUpdate` (pinned). The manager continues as new with its queue and holders when history grows.
 *
 * History: about 15 events per job (request, grant, release) plus about 11 per reclaim check while slots are held.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import { RECLAIM_JITTER, SLOT_MANAGER_CONTINUE_AS_NEW_EVENTS, SLOT_RECLAIM_INTERVAL } from '../../shared/defaults';
import { historyIsLong } from '../common/history';
import { jittered } from '../common/jitter';
import { durationToMs } from '../../shared/duration';
import {
  acquireSlotSignal,
  configureSlotsUpdate,
  getSlotsQuery,
  releaseSlotSignal,
  reportBackPressureSignal,
  SLOT_FAILURE,
  slotGrantedSignal,
  type SlotHolder,
  type SlotHolderState,
  type SlotManagerInput,
  type SlotActivities,
} from './messages';
import { SlotBook, slotLimitsProblem, type SlotLimitsProblem } from './slot-book';
import { rejection } from '../../shared/rejection';

/** `patched()` ids of the slot manager, one list so an id is never reused for another change. */
export const SLOT_PATCH = {
  /** Interactive requests first, and a share of the slots kept from batch work. */
  interactiveFirst: 'slots-interactive-first',
} as const;

// Describe calls are cheap reads; a failed check is simply tried again at the next interval.
const { describeSlotHolders } = proxyActivities<SlotActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
});

function invalidLimits({ message, ...details }: SlotLimitsProblem): ApplicationFailure {
  return rejection(SLOT_FAILURE.invalidLimits, message, details);
}

export async function slotManagerWorkflow(input: SlotManagerInput): Promise<void> {
  const problem = slotLimitsProblem(input.carry?.limits ?? input.limits);
  if (problem) throw invalidLimits(problem);
  const { account, mode } = input;
  // Asked once per run: a run recorded before the rule keeps its first-come queue until it continues as new.
  const book = new SlotBook(input.limits, input.carry, { prioritised: patched(SLOT_PATCH.interactiveFirst) });
  const reclaimMs = durationToMs(input.reclaimInterval ?? SLOT_RECLAIM_INTERVAL);
  const now = (): number => Date.now();
  let dirty = false;
  let reclaimAt: number | undefined;

  setHandler(acquireSlotSignal, (req) => {
    if (!req || typeof req.workflowId !== 'string' || typeof req.requestId !== 'string') return;
    book.request(req, now());
    dirty = true;
  });
  setHandler(releaseSlotSignal, (rel) => {
    if (!rel || typeof rel.workflowId !== 'string' || typeof rel.requestId !== 'string') return;
    book.release(rel);
    dirty = true;
  });
  setHandler(reportBackPressureSignal, (bp) => {
    book.coolDown(now(), bp?.retryAfterMs);
    dirty = true;
  });
  setHandler(getSlotsQuery, () => book.snapshot(now(), account, mode));
  setHandler(
    configureSlotsUpdate,
    (change) => {
      const limits = book.configure(change);
      log.info('slot limits configured', { account, mode, limits, pinned: book.pinned });
      dirty = true;
      return limits;
    },
    {
      validator: (change) => {
        const why = book.configureProblem(change);
        if (why) throw invalidLimits(why);
      },
    }
  );

  async function sendGrant(h: SlotHolder): Promise<void> {
    try {
      await getExternalWorkflowHandle(h.workflowId).signal(slotGrantedSignal, {
        requestId: h.requestId,
        lease: h.lease,
        grantedAt: h.grantedAt,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The holder closed before its grant arrived: the slot is free again at once.
      if (book.reclaim(h)) log.info('slot holder gone before its grant', { account, mode, workflowId: h.workflowId });
      dirty = true;
    }
  }

  async function reclaimClosedHolders(): Promise<void> {
    const holders = [...book.holders.values()];
    let states: SlotHolderState[];
    try {
      states = await describeSlotHolders({
        holders: holders.map((h) => ({ workflowId: h.workflowId, firstRunId: h.firstRunId })),
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('slot holder check failed; trying again later', { account, mode, error: String(err) });
      return;
    }
    holders.forEach((h, i) => {
      if (states[i] === 'closed' && book.reclaim(h)) {
        log.warn('slot reclaimed from a closed holder', { account, mode, workflowId: h.workflowId, lease: h.lease });
      }
    });
  }

  function shouldContinueAsNew(): boolean {
    return historyIsLong(input.continueAsNewAfterEvents ?? SLOT_MANAGER_CONTINUE_AS_NEW_EVENTS);
  }

  for (;;) {
    dirty = false;
    const grants = book.takeGrants(now());
    if (grants.length > 0) await Promise.all(grants.map(sendGrant));

    if (book.holders.size === 0) reclaimAt = undefined;
    else reclaimAt ??= now() + jittered(reclaimMs, RECLAIM_JITTER, () => Math.random());

    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      if (!book.hasGrantsToSend) {
        await continueAsNew<typeof slotManagerWorkflow>({ ...input, limits: book.limits, carry: book.toCarry() });
      }
    }

    const gateAt = book.blocked(now())?.until;
    const wakeAt = [gateAt, reclaimAt]
      .filter((t): t is number => t !== undefined)
      .reduce((a, b) => Math.min(a, b), Infinity);
    if (!dirty) {
      if (wakeAt === Infinity) await condition(() => dirty);
      else if (wakeAt > now()) await condition(() => dirty, wakeAt - now());
    }

    if (reclaimAt !== undefined && now() >= reclaimAt) {
      await reclaimClosedHolders();
      reclaimAt = book.holders.size > 0 ? now() + jittered(reclaimMs, RECLAIM_JITTER, () => Math.random()) : undefined;
    }
  }
}
