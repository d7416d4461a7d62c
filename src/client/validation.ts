/**
 * Checks every client method runs before anything is stored or started, each throwing `MjInputError` naming the
 * field and the rule.
 */
import { isTenantName, TENANT_NAME_RULE } from '../shared/tenant-name';
import { MjInputError } from '../mj/errors';
import type { CheckParamsOptions } from '../mj/params';
import { assertPromptParams, checkPromptText } from '../mj/prompt-rule';
import type { SpeedMode } from '../mj/types';
import { isSpeedMode, SPEED_MODES } from '../mj/terms/speed-modes';
import type { StartOptions } from './options';

const ID_RE = /^[\w.:/-]{1,200}$/;
const ACCOUNT_RE = /^[\w.-]{1,100}$/;

/** The prompt rule of src/mj/prompt-rule.ts (shared with the gateway), as an `MjInputError` naming `field`. */
export function checkPrompt(prompt: unknown, field = 'prompt'): string {
  const c = checkPromptText(prompt);
  if (!c.ok) throw new MjInputError(field, c.rule);
  return c.prompt;
}

/**
 * The prompt of a job that makes images or a video (imagine, edits, video): {@link checkPrompt}, then the parameter
 * rules (src/mj/params), throwing `MjPromptParamError` for a parameter MidJourney would refuse. Warnings (unknown
 * parameters) do not refuse; `checkPromptParams` reports them to a caller that wants them.
 */
export function checkGenerationPrompt(prompt: unknown, opts: CheckParamsOptions = {}): string {
  const p = checkPrompt(prompt);
  assertPromptParams(p, 'prompt', opts);
  return p;
}

export function checkId(id: unknown, field = 'jobId'): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new MjInputError(field, 'must be 1-200 characters of [A-Za-z0-9_.:/-]');
  }
  return id;
}

/** A gateway tenant name, as the tenants registry accepts it. */
export function checkTenant(tenant: unknown): asserts tenant is string {
  if (!isTenantName(tenant)) {
    throw new MjInputError('tenant', `must be ${TENANT_NAME_RULE}`);
  }
}

export function checkMode(mode: unknown, field = 'mode'): SpeedMode | undefined {
  if (mode !== undefined && !isSpeedMode(mode)) {
    throw new MjInputError(field, `must be one of ${SPEED_MODES.join(', ')}`);
  }
  return mode;
}

/** A mode preference (several upstreams): a non-empty list of distinct modes. */
export function checkModes(modes: unknown): void {
  if (modes === undefined) return;
  if (!Array.isArray(modes) || modes.length === 0) throw new MjInputError('modes', 'must be a non-empty list of modes');
  modes.forEach((m, i) => checkMode(m, `modes[${i}]`));
  if (new Set(modes).size !== modes.length) throw new MjInputError('modes', 'must not name a mode twice');
}

const COST_TAGS = ['tenant', 'pipelineId', 'batchId'] as const;

/** Cost tags: only the known keys, each a short string (they end up in ledger keys and metrics labels). */
export function checkCostTags(tags: unknown): void {
  if (tags === undefined) return;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    throw new MjInputError('costTags', 'must be an object');
  }
  for (const [key, value] of Object.entries(tags)) {
    if (!(COST_TAGS as readonly string[]).includes(key)) {
      throw new MjInputError(`costTags.${key}`, `is not a cost tag (use ${COST_TAGS.join(', ')})`);
    }
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 200)) {
      throw new MjInputError(`costTags.${key}`, 'must be a string of 1-200 characters');
    }
  }
}

export function checkStartOptions(opts: StartOptions): void {
  if (opts.jobId !== undefined) checkId(opts.jobId);
  checkMode(opts.mode);
  checkModes(opts.modes);
  checkCostTags(opts.costTags);
  if (opts.account !== undefined && !ACCOUNT_RE.test(opts.account)) {
    throw new MjInputError('account', 'must be 1-100 characters of [A-Za-z0-9_.-]');
  }
}
