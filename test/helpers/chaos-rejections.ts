/**
 * Bad input, table-driven: every case names its entry point, the bad input, and the typed rejection it must get
 * (error type, stable code, the field, and the rule). {@link rejectionOf} reads any of our error shapes into one
 * {@link Rejection}; {@link markdownTable} prints the cases tried (the tables of docs/reliability.md are generated from it).
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { readRejection } from '../../src/shared/rejection';

export interface Rejection {
  /** Error class, `HTTP <status>` for the webhook, or `exit <code>` for the CLI. */
  type: string;
  /** Stable machine-readable code (`MJ_INVALID_INPUT`, `PIPELINE_INVALID`, the failure type of an update, …). */
  code: string;
  field: string;
  rule: string;
  /** Everything a person would read. */
  message: string;
}

export interface BadInputCase {
  entry: string;
  input: string;
  /** Must throw (or resolve to) the rejection. */
  run: () => Promise<unknown>;
  want: { type: string; code: string; field: string; rule: RegExp };
}

interface Issue {
  path?: string;
  field?: string;
  rule: string;
  message?: string;
}

function firstIssue(issues: readonly Issue[] | undefined): Issue | undefined {
  return issues?.[0];
}

/**
 * A workflow rejection read from its structured details (`field`, `rule`; src/shared/rejection.ts), never from the
 * message text: a failure without details yields field `''`, which fails any case that names a field.
 */
function rejectionOfFailure(type: string, failure: ApplicationFailure): Rejection {
  const details = readRejection(failure);
  return {
    type,
    code: failure.type ?? '',
    field: details?.field ?? '',
    rule: details ? `${details.rule}: ${failure.message}` : failure.message,
    message: failure.message,
  };
}

/** One shape for every error an entry point throws. */
export function rejectionOf(err: unknown): Rejection {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    return rejectionOfFailure(err.name, err.cause);
  }
  if (err instanceof ApplicationFailure) return rejectionOfFailure(err.name, err);
  if (err instanceof Error) {
    const e = err as Error & { code?: string; field?: string; rule?: string; issues?: Issue[] };
    const issue = firstIssue(e.issues);
    return {
      type: e.name,
      code: String(e.code ?? ''),
      field: e.field ?? issue?.path ?? issue?.field ?? '',
      rule: e.rule ?? (issue ? `${issue.rule}${issue.message ? `: ${issue.message}` : ''}` : ''),
      message: e.message,
    };
  }
  throw new Error(`not an error: ${JSON.stringify(err)}`);
}

/** Runs a case; it must reject (a resolved promise fails the case). */
export async function rejectionFrom(c: BadInputCase): Promise<Rejection> {
  let result: unknown;
  try {
    result = await c.run();
  } catch (err) {
    return rejectionOf(err);
  }
  // Entry points that answer instead of throwing (CLI exit codes, HTTP statuses) return a Rejection.
  if (result && typeof result === 'object' && 'type' in result && 'code' in result) return result as Rejection;
  throw new Error(`${c.entry}: ${c.input} was accepted: ${JSON.stringify(result)?.slice(0, 300)}`);
}

/** Checks a rejection against what the case wants: type, code, field and rule, and the message names both. */
export function expectRejection(got: Rejection, want: BadInputCase['want']): void {
  expect({ type: got.type, code: got.code, field: got.field }).toEqual({
    type: want.type,
    code: want.code,
    field: want.field,
  });
  expect(got.rule).toMatch(want.rule);
  // The message a person reads names the field (`input` is the whole payload) and the rule.
  if (want.field !== 'input') expect(got.message).toContain(want.field.replace(/^--/, ''));
  expect(got.message).toMatch(want.rule);
}

const cell = (s: string) =>
  s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\s+/g, ' ').slice(0, 140);

/** A markdown table of the cases tried and what each got. */
export function markdownTable(rows: readonly { c: BadInputCase; got: Rejection }[]): string {
  const lines = [
    '| entry point | bad input | rejected with | field | rule |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      ({ c, got }) =>
        `| ${cell(c.entry)} | ${cell(c.input)} | ${cell(`${got.type} ${got.code}`)} | ${got.field ? `\`${cell(got.field)}\`` : '(file)'} | ${cell(got.rule)} |`
    ),
  ];
  return `${lines.join('\n')}\n`;
}
