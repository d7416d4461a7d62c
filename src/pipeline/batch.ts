/**
 * Batch specs: a prompt file (one prompt per line; blank lines and lines starting with `#` are ignored) or a JSON
 * object with items (prompts or full job requests). `parseBatchSpec` validates and normalises either into the
 * {@link BatchInput} of `batchWorkflow`, or throws one {@link BatchSpecError} naming every bad line or field.
 */
import { z } from 'zod';
import { DEFAULT_ACCOUNT, DEFAULT_MODE, MAX_BATCH_ITEMS, MAX_CONCURRENCY } from '../shared/defaults';
import type { BatchInput, BatchItem, SpecIssue } from '../shared/pipeline-types';
import type { SpeedMode } from '../mj/types';
import type { SlotLimits } from '../shared/types';
import { slotLimitsProblem } from '../workflows/slots/slot-book';
import { BatchSpecError } from './errors';
import {
  accountSchema,
  idSchema,
  issuesFromZod,
  jobRequestSchema,
  pollPolicySchema,
  imaginePromptSchema,
  speedModeSchema,
} from './schemas';

/** Settings a caller adds to a bare prompt file (a JSON spec carries them itself). */
export interface BatchSpecOptions {
  name?: string;
  mode?: SpeedMode;
  account?: string;
  concurrency?: number;
}

const itemSchema = z.strictObject({
  id: idSchema.optional(),
  prompt: imaginePromptSchema.optional(),
  request: jobRequestSchema.optional(),
  mode: speedModeSchema.optional(),
  account: accountSchema.optional(),
});

export const batchFileSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"')
    .optional(),
  mode: speedModeSchema.optional(),
  account: accountSchema.optional(),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).optional(),
  policy: pollPolicySchema.optional(),
  captureImages: z.boolean().optional(),
  submitPolicy: z.enum(['at-most-once', 'at-least-once']).optional(),
  /** Account slots every item's job holds (`JobInput.slots`); the slot manager's own check names the bad field. */
  slots: z
    .custom<SlotLimits>()
    .superRefine((v, ctx) => {
      const why = slotLimitsProblem(v);
      if (why) ctx.addIssue({ code: 'custom', path: [why.field], message: why.message });
    })
    .optional(),
  /** A prompt file's text, or a list of prompts. */
  prompts: z
    .union([z.string(), z.array(z.string())], { error: 'must be prompt-file text or a list of prompts' })
    .optional(),
  items: z.array(z.unknown()).optional(),
});

const optionsSchema = z.strictObject({
  name: batchFileSchema.shape.name,
  mode: speedModeSchema.optional(),
  account: accountSchema.optional(),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).optional(),
});

/** Reads a prompt file: `line N` paths, 1-based, counting comment and blank lines. */
function promptFileItems(text: string, issues: SpecIssue[], pathOf: (line: number) => string): BatchItem[] {
  const items: BatchItem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const r = imaginePromptSchema.safeParse(trimmed);
    if (!r.success) {
      issues.push(...issuesFromZod(r.error, pathOf(line)));
      return;
    }
    items.push({ id: '', request: { kind: 'imagine', prompt: r.data }, line });
  });
  return items;
}

function entryItem(raw: unknown, path: string, issues: SpecIssue[]): BatchItem | undefined {
  if (typeof raw === 'string') {
    const r = imaginePromptSchema.safeParse(raw);
    if (!r.success) issues.push(...issuesFromZod(r.error, path));
    return r.success ? { id: '', request: { kind: 'imagine', prompt: r.data } } : undefined;
  }
  const r = itemSchema.safeParse(raw);
  if (!r.success) {
    issues.push(...issuesFromZod(r.error, path));
    return undefined;
  }
  const { id, prompt, request, mode, account } = r.data;
  if ((prompt === undefined) === (request === undefined)) {
    issues.push({ path, rule: 'schema', message: 'an item has either "prompt" or "request"' });
    return undefined;
  }
  return {
    id: id ?? '',
    // A batch file names upstream tasks, not our jobs: a parent the upstream does not know fails in seconds.
    request: request
      ? request.kind === 'action'
        ? { ...request, parentOrigin: 'external' }
        : request
      : { kind: 'imagine', prompt: prompt! },
    ...(mode ? { mode } : {}),
    ...(account ? { account } : {}),
  };
}

/**
 * Validates and normalises a batch: prompt-file text, or a JSON object `{ name?, mode?, account?, concurrency?,
 * prompts?: text | string[], items?: (string | { id?, prompt? | request?, mode?, account? })[] }`.
 * Items without an id are named `item-<n>` (1-based, in order).
 * @throws BatchSpecError (code `BATCH_INVALID`)
 */
export function parseBatchSpec(input: unknown, options: BatchSpecOptions = {}): BatchInput {
  const issues: SpecIssue[] = [];
  const opts = optionsSchema.safeParse(options);
  if (!opts.success) issues.push(...issuesFromZod(opts.error, 'options'));

  let items: BatchItem[] = [];
  /** Where each item came from, for duplicate-id issues. */
  const origins: string[] = [];
  let file: z.infer<typeof batchFileSchema> = {};
  if (typeof input === 'string') {
    items = promptFileItems(input, issues, (line) => `line ${line}`);
    origins.push(...items.map((it) => `line ${it.line}`));
  } else {
    const r = batchFileSchema.safeParse(input);
    if (!r.success) issues.push(...issuesFromZod(r.error));
    else {
      file = r.data;
      if (typeof file.prompts === 'string') {
        const fromText = promptFileItems(file.prompts, issues, (line) => `prompts line ${line}`);
        items.push(...fromText);
        origins.push(...fromText.map((it) => `prompts line ${it.line}`));
      } else if (file.prompts) {
        file.prompts.forEach((p, i) => {
          const item = entryItem(p, `prompts[${i}]`, issues);
          if (item) {
            items.push(item);
            origins.push(`prompts[${i}]`);
          }
        });
      }
      (file.items ?? []).forEach((raw, i) => {
        const item = entryItem(raw, `items[${i}]`, issues);
        if (item) {
          items.push(item);
          origins.push(`items[${i}].id`);
        }
      });
    }
  }

  if (items.length === 0 && issues.length === 0) {
    issues.push({
      path: typeof input === 'string' ? '' : 'items',
      rule: 'schema',
      message: 'the batch has no prompts',
    });
  }
  if (items.length > MAX_BATCH_ITEMS) {
    issues.push({
      path: typeof input === 'string' ? '' : 'items',
      rule: 'too-many-items',
      message: `${items.length} items (at most ${MAX_BATCH_ITEMS} per batch; split the file)`,
    });
  }
  items = items.map((it, i) => ({ ...it, id: it.id || `item-${i + 1}` }));
  const seen = new Map<string, number>();
  items.forEach((it, i) => {
    const first = seen.get(it.id);
    if (first !== undefined) {
      issues.push({
        path: origins[i]!,
        rule: 'duplicate-item-id',
        message: `duplicate item id "${it.id}" (first used by item ${first + 1})`,
      });
    } else seen.set(it.id, i);
  });
  if (issues.length > 0) throw new BatchSpecError(issues);

  const o = opts.success ? opts.data : {};
  const name = file.name ?? o.name;
  return {
    ...(name !== undefined ? { name } : {}),
    items,
    mode: file.mode ?? o.mode ?? DEFAULT_MODE,
    account: file.account ?? o.account ?? DEFAULT_ACCOUNT,
    ...((file.concurrency ?? o.concurrency) !== undefined ? { concurrency: file.concurrency ?? o.concurrency } : {}),
    ...(file.policy !== undefined ? { policy: file.policy } : {}),
    ...(file.captureImages !== undefined ? { captureImages: file.captureImages } : {}),
    ...(file.submitPolicy !== undefined ? { submitPolicy: file.submitPolicy } : {}),
    ...(file.slots !== undefined ? { slots: file.slots } : {}),
  };
}
