/**
 * Our task ids and the workflow ids they name. A task id is 16 digits like the proxies' (epoch ms plus
 * three random digits); a submit with an idempotency key gets an id derived from tenant and key instead, so a retry
 * lands on the same workflow id without any state in the gateway process. Tenant and id together name the workflow,
 * so another tenant's id resolves to a workflow that does not exist: isolation by construction.
 */
import { createHash, randomInt } from 'node:crypto';
import { TENANT_NAME_PATTERN } from '../shared/tenant-name';

export const TASK_ID_RE = /^\d{16}$/;

/** Prefix of every gateway job's workflow id. */
export const GATEWAY_JOB_PREFIX = 'mj-gw';

/** Epoch ms plus three random digits: 16 digits until the year 2286, below 2^53 (JS clients parse them as numbers). */
export function newTaskId(now = Date.now()): string {
  return `${now}${String(randomInt(0, 1000)).padStart(3, '0')}`;
}

/**
 * The id a submit with an `Idempotency-Key` header gets: '5' and 15 digits of a SHA-256 of tenant and key. The
 * leading 5 keeps it apart from time-based ids (which start with 1 until 2286) and below 2^53. The hashed text keeps
 * the word `header` it always had, so a retry of a submit accepted before `state` stopped being a key finds its task.
 */
export function idempotentTaskId(tenant: string, key: string): string {
  const digest = createHash('sha256').update(`${tenant}\nheader\n${key}`, 'utf8').digest();
  const n = digest.readBigUInt64BE(0) % 1_000_000_000_000_000n;
  return `5${n.toString().padStart(15, '0')}`;
}

/**
 * The id of attempt `attempt` of pressing a button (`intent`, its canonical text) on the tenant's task
 * `parentTaskId`, for a press that is paid once: '6' and 15 digits of a SHA-256 of the four. The leading 6 keeps it
 * apart from time-based ids (1) and idempotency-key ids (5), and below 2^53.
 */
export function pressTaskId(tenant: string, parentTaskId: string, intent: string, attempt: number): string {
  const digest = createHash('sha256')
    .update(`${tenant}\npress\n${parentTaskId}\n${intent}\n${attempt}`, 'utf8')
    .digest();
  const n = digest.readBigUInt64BE(0) % 1_000_000_000_000_000n;
  return `6${n.toString().padStart(15, '0')}`;
}

export function jobWorkflowId(tenant: string, taskId: string): string {
  return `${GATEWAY_JOB_PREFIX}-${tenant}-${taskId}`;
}

/** The callback delivery workflow of one task (started before its job). */
export function callbackWorkflowId(tenant: string, taskId: string): string {
  return `${GATEWAY_JOB_PREFIX}-cb-${tenant}-${taskId}`;
}

const JOB_WORKFLOW_ID_RE = new RegExp(`^${GATEWAY_JOB_PREFIX}-(${TENANT_NAME_PATTERN})-(\\d{16})$`);

/** Splits a gateway job workflow id back into tenant and task id; undefined for any other id. */
export function parseJobWorkflowId(workflowId: string): { tenant: string; taskId: string } | undefined {
  const m = JOB_WORKFLOW_ID_RE.exec(workflowId);
  if (!m || m[1]!.startsWith('cb-')) return undefined;
  return { tenant: m[1]!, taskId: m[2]! };
}

/**
 * A task id as a client sends it: a 16-digit string, or a number (chatgpt-web sends `+id` in list-by-condition;
 * 16-digit ids are below 2^53, so the number is exact).
 */
export function normaliseTaskId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) value = String(value);
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  return TASK_ID_RE.test(s) ? s : undefined;
}
