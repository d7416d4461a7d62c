/**
 * Names shared by every process (worker, client, CLI, webhook receiver, tests). Workflow-safe: no I/O here.
 */

/** The one task queue all MidJourney workflows and activities run on. */
export const TASK_QUEUE = 'mj-jobs';

/** Workflow id prefixes: `<prefix>-<caller key>`. */
export const WORKFLOW_ID_PREFIX = {
  job: 'mj-job',
  pipeline: 'mj-pipeline',
  batch: 'mj-batch',
} as const;
