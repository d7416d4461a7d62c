/**
 * The holder side of account slots (see `./slot-manager-workflow`): `withAccountSlot` waits for a slot of the account × mode,
 * runs the guarded section and gives the slot back on success, failure and cancellation. A continue-as-new leaves
 * the slot held: the next run asks again with the same request id and gets it back at once.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SpeedMode } from '../../mj/types';
import { SLOT_REQUEST_REFRESH } from '../../shared/defaults';
import { durationToMs, type Duration } from '../../shared/duration';
import { JOB_FAILURE } from '../../shared/failure-types';
import type { SlotLimits, SlotPriority } from '../../shared/types';
import { Backoff } from '../common/backoff';
import {
  releaseSlotSignal,
  reportBackPressureSignal,
  slotGrantedSignal,
  slotManagerId,
  type SlotGrant,
  type SlotActivities,
  type SlotRequest,
} from './messages';
import { slotLimitsProblem } from './slot-book';
import { rejection } from '../../shared/rejection';

// One signal-with-start; retried for a short while only, because it runs outside cancellation (see below).
const { acquireSlot } = proxyActivities<SlotActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '3m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' },
});

export interface AccountSlotOptions {
  account: string;
  mode: SpeedMode;
  limits: SlotLimits;
  /** Tells apart several slots one workflow holds; must stay the same across continue-as-new. @default 'job' */
  key?: string;
  /**
   * The caller already runs upstream work under this slot (a continued-as-new run past its submit): the manager
   * grants at once, even over the limit, should it have lost the slot. @default false
   */
  resume?: boolean;
  /** Interactive requests are granted ahead of waiting batch ones. @default 'interactive' */
  priority?: SlotPriority;
  /** A waiting holder first repeats its request after this long, then backs off. @default '15m' */
  refreshInterval?: Duration;
}

// Workflow module state is per execution (the bundle's module cache is isolated per workflow).
const granted = new Map<string, SlotGrant>();
const pending = new Set<string>();
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  setHandler(slotGrantedSignal, (grant) => {
    // Grants for requests this run no longer waits for (late, repeated, another chain's) are ignored.
    if (grant && pending.has(grant.requestId)) granted.set(grant.requestId, grant);
  });
}

/**
 * Runs `fn` while holding a slot of `opts.account` × `opts.mode` (`fn` may read the grant: lease, manager time of
 * the grant). Waits (durably, in FIFO order) for the slot first; releases it when `fn` settles, also when the
 * workflow is cancelled (release in a non-cancellable scope), but not when `fn` continues as new. Throws
 * `ValidationRejected` for unusable limits; an activity failure if the manager cannot be reached for minutes.
 */
export async function withAccountSlot<T>(opts: AccountSlotOptions, fn: (slot: SlotGrant) => Promise<T>): Promise<T> {
  const problem = slotLimitsProblem(opts.limits);
  if (problem) {
    const { message, ...details } = problem;
    throw rejection(JOB_FAILURE.validation, `slots: ${message}`, details);
  }
  const info = workflowInfo();
  const request: SlotRequest = {
    workflowId: info.workflowId,
    requestId: `${info.firstExecutionRunId}/${opts.key ?? 'job'}`,
    firstRunId: info.firstExecutionRunId,
    limits: opts.limits,
    ...(opts.resume ? { resume: true } : {}),
    // Only the activity's input and the signal's payload change: neither is compared on replay.
    ...(opts.priority === 'batch' ? { priority: opts.priority } : {}),
  };
  const { requestId } = request;
  if (pending.has(requestId)) {
    throw ApplicationFailure.create({
      type: JOB_FAILURE.validation,
      message: `slot key "${opts.key ?? 'job'}" is already in use by this workflow`,
      nonRetryable: true,
    });
  }
  const managerId = slotManagerId(opts.account, opts.mode);
  const acquire = { managerId, account: opts.account, mode: opts.mode, limits: opts.limits, request };
  const firstRefreshMs = durationToMs(opts.refreshInterval ?? SLOT_REQUEST_REFRESH.initialInterval);
  // No deadline: a holder may wait for days; each repeat doubles the wait up to the maximum.
  const refresh = new Backoff({
    initialMs: firstRefreshMs,
    maxMs: Math.max(firstRefreshMs, durationToMs(SLOT_REQUEST_REFRESH.maxInterval)),
  });
  listen();
  pending.add(requestId);
  let continued = false;
  try {
    // Not cancellable: a release must never overtake the request it withdraws.
    await CancellationScope.nonCancellable(() => acquireSlot(acquire));
    while (!(await condition(() => granted.has(requestId), refresh.next() ?? firstRefreshMs))) {
      await CancellationScope.nonCancellable(() => acquireSlot(acquire));
    }
    return await fn(granted.get(requestId) as SlotGrant);
  } catch (err) {
    continued = err instanceof ContinueAsNew;
    throw err;
  } finally {
    pending.delete(requestId);
    granted.delete(requestId);
    if (!continued) await CancellationScope.nonCancellable(() => releaseSlot(managerId, request));
  }
}

async function releaseSlot(managerId: string, request: SlotRequest): Promise<void> {
  try {
    await getExternalWorkflowHandle(managerId).signal(releaseSlotSignal, {
      workflowId: request.workflowId,
      requestId: request.requestId,
    });
  } catch (err) {
    // No manager (never started, or removed by an operator): nothing to give back.
    log.warn('slot release not delivered', { managerId, error: String(err) });
  }
}

/**
 * Tells the account's manager that the proxy pushed back (code 23, 429): it grants no new slots for `retryAfterMs`
 * (or SLOT_COOL_DOWN.default). Best effort; running holders keep their slots.
 */
export async function reportSlotBackPressure(
  opts: Pick<AccountSlotOptions, 'account' | 'mode'>,
  retryAfterMs?: number
): Promise<void> {
  try {
    await getExternalWorkflowHandle(slotManagerId(opts.account, opts.mode)).signal(reportBackPressureSignal, {
      retryAfterMs,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('back-pressure report not delivered', { account: opts.account, mode: opts.mode, error: String(err) });
  }
}
