/**
 * The one rule for a prompt a caller hands in: the gateway's `prompt` fields (src/gateway/routes/fields.ts) and
 * `MjJobsClient`'s prompt arguments (src/client/validation.ts) both apply it. A prompt is a string, not blank once
 * invisible characters are removed, and at most {@link MAX_PROMPT_LENGTH} characters; it is kept trimmed.
 */
import { MjPromptParamError } from './errors';
import { checkPromptParams, type CheckParamsOptions, type ParamWarning } from './params';
import { MAX_PROMPT_LENGTH } from './terms/limits';

/**
 * Characters that show nothing: format characters (Unicode category Cf: zero-width space and joiners, the BOM, bidi
 * marks, embeddings and isolates, the soft hyphen), the other default-ignorable code points (Hangul fillers,
 * variation selectors, the combining grapheme joiner) and whitespace.
 */
const INVISIBLE_RE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{White_Space}]/gu;

/** True when nothing visible is left of `text` once invisible characters are removed. */
export function isBlankText(text: string): boolean {
  return text.replace(INVISIBLE_RE, '') === '';
}

/** The trimmed prompt, or the rule it breaks (phrased to follow the field name, e.g. `prompt must be …`). */
export type PromptCheck = { ok: true; prompt: string } | { ok: false; rule: string };

export function checkPromptText(value: unknown): PromptCheck {
  if (typeof value !== 'string' || isBlankText(value))
    return {
      ok: false,
      rule: `must be a non-empty string${typeof value === 'string' && value !== '' ? ' (whitespace and invisible characters do not count)' : ''}`,
    };
  if (value.length > MAX_PROMPT_LENGTH) return { ok: false, rule: `must be at most ${MAX_PROMPT_LENGTH} characters` };
  return { ok: true, prompt: value.trim() };
}

/**
 * The parameter rules of src/mj/params for a prompt that makes images or a video (imagine, edits, video): throws
 * {@link MjPromptParamError} for the first refusal, naming `field`, the parameter and the rule; returns the warnings
 * (unknown or repeated parameters), which do not refuse.
 */
export function assertPromptParams(prompt: string, field = 'prompt', opts: CheckParamsOptions = {}): ParamWarning[] {
  const c = checkPromptParams(prompt, opts);
  const first = c.problems[0];
  if (first) throw new MjPromptParamError(field, first.param, first.rule, first.message, first.source);
  return c.warnings;
}
