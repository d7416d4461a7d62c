/**
 * Reading tasks back: a plain fetch for polling, and the lookup by `state` that settles a submit whose answer was lost.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { MjClient, MjRequestOptions } from '../mj';
import { ACTIVITY_FAILURE } from '../shared/failure-types';
import type { TaskSnapshot } from '../shared/types';
import { pickBest, toFetchedTask, toTaskSnapshot, type FetchedTask } from './task-snapshot';
import type { FindTaskByStateInput } from '../shared/job-activities';

export type { FindTaskByStateInput } from '../shared/job-activities';

/**
 * The task submitted with `stateKey`, or null when the proxy proves it has none. With a hint, list-by-condition on
 * that id decides (a gateway's copy may have lost `state`, so an empty state counts as ours). Without one, the
 * task list is scanned (N: all tasks; T: the latest 100). Flavours without a list fail with `ReconcileUnsupported`.
 */
export async function findByState(
  mj: MjClient,
  input: FindTaskByStateInput,
  o: MjRequestOptions
): Promise<TaskSnapshot | null> {
  if (input.taskIdHint) {
    const [hit] = (await mj.listTasksByIds([input.taskIdHint], o)).filter((t) => t.id === input.taskIdHint);
    if (hit && (hit.state === input.stateKey || !hit.state)) return toTaskSnapshot(hit);
    if (!mj.supports('list')) return null;
  }
  if (!mj.supports('list')) {
    throw ApplicationFailure.create({
      type: ACTIVITY_FAILURE.reconcileUnsupported,
      message: `the ${mj.flavour} flavour cannot list tasks, so a submit with an unknown outcome cannot be found by state`,
      nonRetryable: true,
      details: [{ code: ACTIVITY_FAILURE.reconcileUnsupported }],
    });
  }
  const best = pickBest((await mj.listTasks(o)).filter((t) => t.state === input.stateKey));
  return best ? toTaskSnapshot(best) : null;
}

export async function fetchSnapshot(mj: MjClient, taskId: string, o: MjRequestOptions): Promise<FetchedTask> {
  return toFetchedTask(await mj.fetchTask(taskId, o), mj.refreshIntervalMs);
}
