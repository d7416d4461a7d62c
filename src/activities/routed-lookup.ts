/**
 * Reconciling a routed submit whose outcome is unknown: the task is looked for by `state` on the SAME
 * upstream the attempt went to, before anything is sent elsewhere. Found: the pool counts it and the ledger charges
 * it (its budget hold becomes the charge). Proven absent: the reservation and the budget hold are given back and the
 * job may submit again (routing decides where; a new hold is taken then).
 *
 * When the attempt's upstream is not known (the worker died mid-submit, so no failure details came back), every
 * upstream is searched: the state key names one step of one job, so a hit anywhere is ours. It is counted against
 * that step's reservation (`<stateKey>#`, which the pool resolves) and charged by the state key, so exactly once.
 * Whatever part of that fails goes back to the job as `unsettled`, for the durable `settleRoutedSubmit`.
 */
import type { MjRequestOptions } from '../mj';
import type { SpeedMode } from '../mj/types';
import type { TaskRoute } from '../shared/types';
import { anyAttemptOf, PRICED_ACTIONS, type PricedAction } from '../shared/upstreams/types';
import type { ActivityLogger } from './failures';
import { priceOn } from './route-request';
import { releaseBudgetHold, settleAccepted, type RoutedDeps } from './routed-submit';
import { findByState } from './task-lookup';
import { upstreamClient } from './upstream-client';
import type { FoundTask, RoutedLookupInput } from '../shared/job-activities';

export type { FoundTask, RoutedLookupInput } from '../shared/job-activities';

type Deps = Pick<RoutedDeps, 'upstreams' | 'router' | 'ledger'> & { log: ActivityLogger };

export async function findRoutedByState(
  deps: Deps,
  input: RoutedLookupInput,
  jobId: string,
  o: MjRequestOptions
): Promise<FoundTask | null> {
  const { route } = input;
  const upstreamId = input.upstreamId ?? route?.upstreamId;
  if (upstreamId === undefined) {
    const hit = await searchEverywhere(deps, input, o);
    if (!hit) await releaseBudgetHold(deps, input.stateKey, 'any');
    return hit && settled(deps, hit, input, jobId);
  }
  const found = await findByState(upstreamClient(deps.upstreams, upstreamId), input, o);
  if (!route) return found && { ...found };
  if (!found) {
    await deps.router.release(route.requestId, route.upstreamId);
    await releaseBudgetHold(deps, input.stateKey, route.upstreamId);
    return null;
  }
  return settled(deps, { ...found, route }, input, jobId);
}

/** Counts and charges an adopted task; what failed goes back to the job to settle durably. */
async function settled(deps: Deps, found: FoundTask & { route: TaskRoute }, input: RoutedLookupInput, jobId: string) {
  const { stateKey, costTags } = input;
  const unsettled = await settleAccepted(deps, { route: found.route, taskId: found.id, stateKey, costTags }, jobId);
  return unsettled.length > 0 ? { ...found, unsettled } : found;
}

/** Every upstream in turn; null only when each one proves it has no task with this state. */
async function searchEverywhere(
  deps: Deps,
  input: RoutedLookupInput,
  o: MjRequestOptions
): Promise<(FoundTask & { route: TaskRoute }) | null> {
  for (const view of deps.upstreams.views()) {
    const found = await findByState(upstreamClient(deps.upstreams, view.id), input, o);
    if (!found) continue;
    const mode: SpeedMode = found.mode ?? input.mode ?? 'FAST';
    const action = (PRICED_ACTIONS as readonly string[]).includes(found.action)
      ? (found.action as PricedAction)
      : 'ACTION';
    // The lost attempt's request id died with its worker: the pool resolves this step's reservation on that upstream.
    const requestId = anyAttemptOf(input.stateKey);
    const route: TaskRoute = { requestId, upstreamId: view.id, mode, action, ...priceOn(view, action, mode) };
    deps.log.info('reconciled routed submit on an upstream found by search', { upstreamId: view.id, taskId: found.id });
    return { ...found, route };
  }
  return null;
}
