/**
 * `startTime`/`finishTime` of a proxy task. The job records the upstream start only when it sees IN_PROGRESS, and a
 * short job can go from SUBMITTED to SUCCESS between two looks; proxies (novicezk, trueai) set `startTime` as soon
 * as a task begins, and clients read it as the task's creation (uniai's `created`) or compute durations from it.
 * So once a task has started (IN_PROGRESS or terminal) it always has a `startTime`: the observed one, else the
 * caller's submit, when our durable job began working on it (never later than the true start, never before the
 * submit). A task still SUBMITTED or MODAL has none, as on the proxies.
 */
import type { KnownTaskStatus } from '../../mj/types';

const STARTED: ReadonlySet<string> = new Set<KnownTaskStatus>(['IN_PROGRESS', 'SUCCESS', 'FAILURE']);

export function taskTimes(
  status: string,
  times: { submitTime: number; startTime?: number; finishTime?: number }
): { startTime: number | null; finishTime: number | null } {
  const started = STARTED.has(status);
  return {
    startTime: times.startTime ?? (started ? times.submitTime : null),
    finishTime: times.finishTime ?? null,
  };
}
