/**
 * Item lists of the paged batch engine: a prompt file (one prompt per line, `#` comments), JSON Lines (one item
 * object per line) or CSV (a header row naming the columns). Each item may name its own `id`, `mode`, `account` and
 * `params` (text appended to the prompt, e.g. `--ar 3:2`); JSON Lines may give a full job `request` instead of a
 * prompt. `parseBatchItems` reports every bad line at once as one {@link BatchSpecError} whose issues name the line
 * and the field (`line 7.mode`).
 */
import { z } from 'zod';
import { MAX_PAGED_BATCH_ITEMS, type StoredBatchItem } from '../shared/batch-run-types';
import type { SpecIssue } from '../shared/pipeline-types';
import { BatchSpecError } from './errors';
import { CsvSyntaxError, parseCsv } from './csv';
import { accountSchema, idSchema, issuesFromZod, jobRequestSchema, promptSchema, speedModeSchema } from './schemas';

export const BATCH_FILE_FORMATS = ['lines', 'jsonl', 'csv'] as const;
export type BatchFileFormat = (typeof BATCH_FILE_FORMATS)[number];

/** The item fields a JSON line or CSV column may carry. */
export const BATCH_ITEM_FIELDS = ['id', 'prompt', 'request', 'mode', 'account', 'params'] as const;

const paramsSchema = z
  .string()
  .max(1_000, 'must be at most 1,000 characters')
  .regex(/^[^\r\n]*$/, 'must be one line');

const itemSchema = z.strictObject({
  id: idSchema.optional(),
  prompt: promptSchema.optional(),
  request: jobRequestSchema.optional(),
  mode: speedModeSchema.optional(),
  account: accountSchema.optional(),
  params: paramsSchema.optional(),
});

export type ParsedBatchItem = Omit<StoredBatchItem, 'estimate'>;

/** The format a file name implies: `.jsonl`/`.ndjson`, `.csv`, anything else a prompt file. */
export function formatOfFileName(file: string): BatchFileFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  return 'lines';
}

function lineItems(text: string, issues: SpecIssue[]): ParsedBatchItem[] {
  const items: ParsedBatchItem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const r = promptSchema.safeParse(trimmed);
    if (r.success) items.push({ id: '', prompt: r.data, line: i + 1 });
    else issues.push(...issuesFromZod(r.error, `line ${i + 1}`));
  });
  return items;
}

function objectItem(raw: unknown, line: number, issues: SpecIssue[]): ParsedBatchItem | undefined {
  const at = `line ${line}`;
  const r = itemSchema.safeParse(raw);
  if (!r.success) {
    issues.push(...issuesFromZod(r.error, at));
    return undefined;
  }
  const { id, prompt, request, mode, account, params } = r.data;
  if ((prompt === undefined) === (request === undefined)) {
    issues.push({ path: `${at}.prompt`, rule: 'schema', message: 'an item has either "prompt" or "request"' });
    return undefined;
  }
  if (request && params !== undefined) {
    issues.push({ path: `${at}.params`, rule: 'schema', message: '"params" goes with "prompt", not "request"' });
    return undefined;
  }
  return {
    id: id ?? '',
    line,
    // A batch file names upstream tasks, not our jobs: a parent the upstream does not know fails in seconds.
    ...(request ? { request: request.kind === 'action' ? { ...request, parentOrigin: 'external' } : request } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(mode ? { mode } : {}),
    ...(account ? { account } : {}),
    ...(params ? { params } : {}),
  };
}

function jsonlItems(text: string, issues: SpecIssue[]): ParsedBatchItem[] {
  const items: ParsedBatchItem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      issues.push({ path: `line ${i + 1}`, rule: 'schema', message: `not JSON: ${(err as Error).message}` });
      return;
    }
    if (typeof value === 'string') value = { prompt: value };
    const item = objectItem(value, i + 1, issues);
    if (item) items.push(item);
  });
  return items;
}

function csvItems(text: string, issues: SpecIssue[]): ParsedBatchItem[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    issues.push({ path: `line ${err.line}`, rule: 'schema', message: err.problem });
    return [];
  }
  const [header, ...rows] = records;
  if (!header) return [];
  const columns = header.fields.map((f) => f.trim());
  const known: readonly string[] = BATCH_ITEM_FIELDS.filter((f) => f !== 'request');
  columns.forEach((c, i) => {
    if (!known.includes(c)) {
      issues.push({
        path: `line ${header.line}.${c || `column ${i + 1}`}`,
        rule: 'schema',
        message: `unknown column (expected ${known.join(', ')})`,
      });
    }
  });
  if (!columns.includes('prompt')) {
    issues.push({ path: `line ${header.line}`, rule: 'schema', message: 'the header has no "prompt" column' });
  }
  if (issues.length > 0) return [];
  const items: ParsedBatchItem[] = [];
  for (const row of rows) {
    if (row.fields.length !== columns.length) {
      issues.push({
        path: `line ${row.line}`,
        rule: 'schema',
        message: `${row.fields.length} fields (the header has ${columns.length})`,
      });
      continue;
    }
    // Empty cells are absent fields (a CSV cannot say "no account" otherwise).
    const obj = Object.fromEntries(columns.map((c, i) => [c, row.fields[i]]).filter(([, v]) => v !== ''));
    const item = objectItem(obj, row.line, issues);
    if (item) items.push(item);
  }
  return items;
}

/**
 * Parses an item list; items without an id are named `item-<n>` (1-based, in order).
 * @throws BatchSpecError (code `BATCH_INVALID`) naming every bad line and field
 */
export function parseBatchItems(text: string, format: BatchFileFormat): ParsedBatchItem[] {
  const issues: SpecIssue[] = [];
  const parsed =
    format === 'jsonl' ? jsonlItems(text, issues) : format === 'csv' ? csvItems(text, issues) : lineItems(text, issues);
  if (parsed.length === 0 && issues.length === 0) issues.push({ path: '', rule: 'schema', message: 'no items' });
  if (parsed.length > MAX_PAGED_BATCH_ITEMS) {
    issues.push({
      path: '',
      rule: 'too-many-items',
      message: `${parsed.length} items (at most ${MAX_PAGED_BATCH_ITEMS} per batch; split the file)`,
    });
  }
  const items = parsed.map((it, i) => ({ ...it, id: it.id || `item-${i + 1}` }));
  const seen = new Map<string, ParsedBatchItem>();
  for (const it of items) {
    const first = seen.get(it.id);
    if (first) {
      issues.push({
        path: `line ${it.line}.id`,
        rule: 'duplicate-item-id',
        message: `duplicate item id "${it.id}" (first used on line ${first.line})`,
      });
    } else seen.set(it.id, it);
  }
  if (issues.length > 0) throw new BatchSpecError(issues);
  return items;
}
