/**
 * What `action` adds to a start: the new job's lineage (its parent job and the root of the chain) and, for a press
 * that is paid once (see `src/job-start/paid-once.ts`), the deterministic ids of its attempts.
 */
import { MjInputError } from '../mj/errors';
import type { IntentSpec } from '../mj/types';
import { isPaidOncePress, pressLineage, pressWorkflowId } from '../job-start/paid-once';
import { WORKFLOW_ID_PREFIX } from '../shared/constants';
import type { JobLineage } from '../shared/job-read-model';
import type { ActionOptions } from './options';
import type { ParentTask } from './parent';

export interface PressPlan {
  lineage?: JobLineage;
  /** Set when the press is paid once: the workflow id of each attempt. */
  idOf?: (attempt: number) => string;
}

/**
 * The plan of pressing `intent` on `parent`. A task created outside this service has no job: its presses are keyed
 * by its upstream task id (`mj-job-task-<id>`) and it starts no lineage.
 */
export function pressPlan(parent: ParentTask, intent: IntentSpec, opts: ActionOptions): PressPlan {
  if (opts.payAgain !== undefined && typeof opts.payAgain !== 'boolean') {
    throw new MjInputError('payAgain', 'must be a boolean');
  }
  const lineage = parent.jobId !== undefined ? pressLineage(parent.jobId, parent.lineage) : undefined;
  if (!isPaidOncePress(intent, opts.payAgain)) return lineage ? { lineage } : {};
  if (opts.jobId !== undefined) {
    throw new MjInputError(
      'jobId',
      'is not taken by a paid-once press (its id comes from parent and intent); add payAgain: true for a new job'
    );
  }
  const parentKey = parent.jobId ?? `${WORKFLOW_ID_PREFIX.job}-task-${parent.taskId}`;
  return { ...(lineage ? { lineage } : {}), idOf: (attempt) => pressWorkflowId(parentKey, intent, attempt) };
}
