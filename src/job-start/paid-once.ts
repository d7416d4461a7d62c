/**
 * "Paid once": a button whose press gives the same result each time (`sameResultEachPress` in the intent catalogue:
 * U1–U4, the HD upscales, video upscale) pressed again on the same parent returns the first job instead of paying
 * again. The decision is Temporal's, not a lookup's: each press of an intent on a parent job has a deterministic
 * workflow id ({@link pressWorkflowId}, or the gateway's task id of a press), started with REJECT_DUPLICATE and
 * conflict policy FAIL, so of two concurrent presses exactly one starts and the other meets it, and a worker killed
 * mid-press changes nothing (the id exists or it does not).
 *
 * A press that failed (or was cancelled, terminated, timed out) must not block a retry: the ids are numbered
 * (attempt 1, 2, …) and a failed attempt's id is skipped, so the retry is a new job with an id of its own while the
 * failed one stays readable as it ended. A caller who wants a second paid result asks for it explicitly (the client's
 * `payAgain`, the gateway's `payAgain` body field, the CLI's `--pay-again`) and gets an ordinary new job.
 *
 * See docs/paid-once.md.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { MjInputError } from '../mj/errors';
import { intentPaidOnce, intentText } from '../mj/intents';
import type { IntentSpec } from '../mj/types';
import { idHash } from '../shared/fnv';
import type { JobLineage } from '../shared/job-read-model';
import { MAX_WORKFLOW_ID_LENGTH } from '../workflows/common/child-ids';

/** Most attempts of one press on one parent; each failed attempt keeps its id, so the next gets the next number. */
export const MAX_PRESS_ATTEMPTS = 20;

/** Whether a press of `intent` is deduplicated: the catalogue says it gives the same result, and none new is asked. */
export function isPaidOncePress(intent: IntentSpec, payAgain: boolean | undefined): boolean {
  return payAgain !== true && intentPaidOnce(intent);
}

/**
 * The workflow id of attempt `attempt` of pressing `intent` on the job `parentJobId`: `<parent>.press.U1`,
 * `<parent>.press.upscale-hd-subtle.2`, … (no `/`, so a press on a job belongs to that job's owner, not to a
 * pipeline's tree). Too wide for the persistence, it keeps its head and ends in a hash of the whole.
 */
export function pressWorkflowId(parentJobId: string, intent: IntentSpec, attempt: number): string {
  const slug = intentText(intent).replace(/[^\w-]+/g, '-');
  const id = `${parentJobId}.press.${slug}${attempt > 1 ? `.${attempt}` : ''}`;
  if (id.length <= MAX_WORKFLOW_ID_LENGTH) return id;
  const hash = idHash(id);
  return `${id.slice(0, MAX_WORKFLOW_ID_LENGTH - hash.length - 1)}.${hash}`;
}

/** A press's job: none yet, running or succeeded (the answer to a second press), or ended otherwise (skipped). */
type PressState = 'absent' | 'live' | 'ended-unsuccessfully';

async function pressState(client: Client, workflowId: string): Promise<PressState> {
  try {
    const { status } = await client.workflow.getHandle(workflowId).describe();
    return status.name === 'RUNNING' || status.name === 'COMPLETED' ? 'live' : 'ended-unsuccessfully';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'absent';
    throw err;
  }
}

/**
 * The press a second press meets (`live`: running or succeeded), or the id the next start takes (`live: false`):
 * attempts whose job ended unsuccessfully are skipped. Reads only; {@link pressOnce} decides by starting.
 */
export async function currentPress(
  client: Client,
  idOf: (attempt: number) => string
): Promise<{ workflowId: string; live: boolean }> {
  for (let attempt = 1; attempt <= MAX_PRESS_ATTEMPTS; attempt++) {
    const workflowId = idOf(attempt);
    const state = await pressState(client, workflowId);
    if (state !== 'ended-unsuccessfully') return { workflowId, live: state === 'live' };
  }
  throw new MjInputError(
    'intent',
    `was pressed ${MAX_PRESS_ATTEMPTS} times on this parent and failed each time; ask for a new press (payAgain)`
  );
}

/**
 * Presses once: answers the live press when there is one, else starts the next attempt with `start` (which must use
 * REJECT_DUPLICATE and conflict policy FAIL, as `startJobWorkflow` does). A start that meets another's job of the
 * same id reads it again: the other press won the race, and its job is the answer unless it has already failed.
 */
export async function pressOnce(
  client: Client,
  idOf: (attempt: number) => string,
  start: (workflowId: string) => Promise<{ alreadyStarted: boolean }>
): Promise<{ workflowId: string; alreadyStarted: boolean }> {
  // Each round either answers or finds one more attempt taken, so 2 × the attempts bound it.
  for (let round = 0; round < 2 * MAX_PRESS_ATTEMPTS; round++) {
    const { workflowId, live } = await currentPress(client, idOf);
    if (live) return { workflowId, alreadyStarted: true };
    const { alreadyStarted } = await start(workflowId);
    if (!alreadyStarted) return { workflowId, alreadyStarted: false };
  }
  throw new Error('a press met a job that exists but cannot be described; try again');
}

/** The lineage of a job that presses a button of the job `parentJobId`, whose own lineage is `parent`. */
export function pressLineage(parentJobId: string, parent: JobLineage | undefined): JobLineage {
  return { parentJobId, rootJobId: parent?.rootJobId ?? parentJobId };
}
