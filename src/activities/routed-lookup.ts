/**
 * Reconciling a routed submit whose outcome is unknown (issue 13): the task is looked for by `state` on the SAME
 * upstream the attempt went to, before anything is sent elsewhere. Found: the pool counts it and the ledger charges
 * it. Proven absent: the reservation is given back and the job may submit again (routing decides where).
 *
 * When the attempt's upstream is not known (the worker died mid-submit, so no failure details came back), every
 * upstream is searched: the state key names one step of one job, so a hit anywhere is ours.
 */
import type { MjRequestOptions } from '../mj';
import type { SpeedMode } from '../mj/types';
import type { TaskRoute, TaskSnapshot } from '../shared/types';
import { PRICED_ACTIONS, type CostTags, type PricedAction } from '../upstreams/types';
import type { ActivityLogger } from './failures';
import { priceOn } from './route-request';
import { settleAccepted, type RoutedDeps } from './routed-submit';
import { findByState, type FindTaskByStateInput } from './task-lookup';
import { upstreamClient } from './upstream-client';

/** A reconciled task and, for a routed one, where it lives. */
export type FoundTask = TaskSnapshot & { route?: TaskRoute };

export interface RoutedLookupInput extends FindTaskByStateInput {
  /** The upstream the unknown attempt went to (from its failure details). */
  upstreamId?: string;
  /** Its reservation, to settle or give back. */
  route?: TaskRoute;
  costTags?: CostTags;
  /** The job's mode and action, to price a task found without a known route. */
  mode?: SpeedMode;
}

type Deps = Pick<RoutedDeps, 'upstreams' | 'router' | 'ledger'> & { log: ActivityLogger };

export async function findRoutedByState(
  deps: Deps,
  input: RoutedLookupInput,
  jobId: string,
  o: MjRequestOptions
): Promise<FoundTask | null> {
  const { route } = input;
  const upstreamId = input.upstreamId ?? route?.upstreamId;
  if (upstreamId === undefined) return searchEverywhere(deps, input, o);
  const found = await findByState(upstreamClient(deps.upstreams, upstreamId), input, o);
  if (!route) return found && { ...found };
  if (!found) {
    await deps.router.release(route.requestId, route.upstreamId);
    return null;
  }
  await settleAccepted(deps, route, found.id, jobId, input.costTags, input.stateKey);
  return { ...found, route };
}

/** Every upstream in turn; null only when each one proves it has no task with this state. */
async function searchEverywhere(deps: Deps, input: RoutedLookupInput, o: MjRequestOptions): Promise<FoundTask | null> {
  for (const view of deps.upstreams.views()) {
    const found = await findByState(upstreamClient(deps.upstreams, view.id), input, o);
    if (!found) continue;
    const mode: SpeedMode = found.mode ?? input.mode ?? 'FAST';
    const action = (PRICED_ACTIONS as readonly string[]).includes(found.action)
      ? (found.action as PricedAction)
      : 'ACTION';
    // The reservation of the lost attempt is not known here; the pool reclaims it when the job closes.
    const route: TaskRoute = { requestId: '', upstreamId: view.id, mode, action, ...priceOn(view, action, mode) };
    deps.log.info('reconciled routed submit on an upstream found by search', { upstreamId: view.id, taskId: found.id });
    return { ...found, route };
  }
  return null;
}
