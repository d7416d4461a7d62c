/**
 * Reading request bodies the way loose clients send them (docs/mj-clients.md §4.15): unknown fields ignored,
 * `""` for `notifyHook`/`state` meaning absent, and every refusal a {@link badInput} naming the field.
 */
import type { CheckParamsOptions, ParamWarning } from '../../mj/params';
import { assertPromptParams, checkPromptText } from '../../mj/prompt-rule';
import { badInput } from '../errors';

export type Body = Record<string, unknown>;

export function optString(body: Body, field: string, max = 10_000): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw badInput(field, 'must be a string');
  if (v.length > max) throw badInput(field, `must be at most ${max} characters`);
  return v;
}

export function reqString(body: Body, field: string, max = 10_000): string {
  const v = optString(body, field, max);
  if (v === undefined || v.trim() === '') throw badInput(field, 'is required (a non-empty string)');
  return v;
}

/** A required prompt, by the one prompt rule (src/mj/prompt-rule.ts): blank once invisible characters go is refused. */
export function prompt(body: Body, field = 'prompt'): string {
  const c = checkPromptText(body[field]);
  if (!c.ok) throw badInput(field, c.rule);
  return c.prompt;
}

/**
 * The prompt of a submit that makes images or a video (imagine, edits, video): the prompt rule, then the parameter
 * rules of src/mj/params (a refusal throws `MjPromptParamError`, answered with code 4 naming the rule). Returns the
 * warnings (unknown or repeated parameters) with it.
 */
export function generationPrompt(
  body: Body,
  opts: CheckParamsOptions = {}
): { prompt: string; warnings: ParamWarning[] } {
  const p = prompt(body);
  return { prompt: p, warnings: assertPromptParams(p, 'prompt', opts) };
}

/** An optional prompt (absent, null or `""` = none); one given follows the same rule as {@link prompt}. */
export function optPrompt(body: Body, field = 'prompt'): string | undefined {
  const v = body[field];
  return v === undefined || v === null || v === '' ? undefined : prompt(body, field);
}

export function optBool(body: Body, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badInput(field, 'must be true or false');
  return v;
}

export function optEnum<T extends string>(body: Body, field: string, values: readonly T[]): T | undefined {
  const v = optString(body, field, 100);
  if (v === undefined) return undefined;
  const hit = values.find((x) => x.toLowerCase() === v.toLowerCase());
  if (!hit) throw badInput(field, `must be one of ${values.join(', ')}`);
  return hit;
}

export function optStringArray(body: Body, field: string, maxItems: number): string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw badInput(field, 'must be an array of strings');
  if (v.length > maxItems) throw badInput(field, `must hold at most ${maxItems} items`);
  v.forEach((x, i) => {
    if (typeof x !== 'string' || x === '') throw badInput(`${field}[${i}]`, 'must be a non-empty string');
  });
  return v as string[];
}

/** `state` (echoed back; also an idempotency key when non-empty). T rejects more than 255 characters. */
export function state(body: Body): string | undefined {
  return optString(body, 'state', 255);
}

export function notifyHook(body: Body): string | undefined {
  return optString(body, 'notifyHook', 2000);
}
