/**
 * Checks every client method runs before anything is stored or started, each throwing `MjInputError` naming the
 * field and the rule.
 */
import { TENANT_RE } from '../gateway/task-id';
import { MjInputError } from '../mj/errors';
import type { SpeedMode } from '../mj/types';
import { MAX_PROMPT_LENGTH } from '../shared/defaults';
import { isSpeedMode, SPEED_MODES } from '../shared/speed-modes';
import type { StartOptions } from './options';

const ID_RE = /^[\w.:/-]{1,200}$/;
const ACCOUNT_RE = /^[\w.-]{1,100}$/;

export function checkPrompt(prompt: unknown, field = 'prompt'): string {
  if (typeof prompt !== 'string' || prompt.trim().length === 0) {
    throw new MjInputError(field, 'must be a non-empty string');
  }
  if (prompt.length > MAX_PROMPT_LENGTH) {
    throw new MjInputError(field, `must be at most ${MAX_PROMPT_LENGTH} characters`);
  }
  return prompt.trim();
}

export function checkId(id: unknown, field = 'jobId'): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new MjInputError(field, 'must be 1-200 characters of [A-Za-z0-9_.:/-]');
  }
  return id;
}

/** A gateway tenant name, as the tenants registry accepts it. */
export function checkTenant(tenant: unknown): asserts tenant is string {
  if (typeof tenant !== 'string' || !TENANT_RE.test(tenant)) {
    throw new MjInputError('tenant', 'must be 1-40 of [a-z0-9_-], starting with a letter or digit');
  }
}

export function checkMode(mode: unknown, field = 'mode'): SpeedMode | undefined {
  if (mode !== undefined && !isSpeedMode(mode)) {
    throw new MjInputError(field, `must be one of ${SPEED_MODES.join(', ')}`);
  }
  return mode;
}

export function checkStartOptions(opts: StartOptions): void {
  if (opts.jobId !== undefined) checkId(opts.jobId);
  checkMode(opts.mode);
  if (opts.account !== undefined && !ACCOUNT_RE.test(opts.account)) {
    throw new MjInputError('account', 'must be 1-100 characters of [A-Za-z0-9_.-]');
  }
}
