/**
 * The "current details" a pipeline or batch shows in the Temporal Web UI (Markdown, like a job's): counts, what
 * waits for a person and what failed, so an operator sees the state without running a query. Details are kept by
 * the SDK and served to the UI's metadata query; setting them writes no history event. Workflow-safe.
 */
import { formatBatchLine, tallyOfProgress } from '../../shared/batch-tally';
import type { BatchProgress, PipelineProgress } from '../../shared/pipeline-types';

/** At most this many rows per list, so a 250-item batch does not make a page of details. */
const MAX_ROWS = 10;

function capped(rows: string[]): string[] {
  return rows.length <= MAX_ROWS ? rows : [...rows.slice(0, MAX_ROWS), `- … and ${rows.length - MAX_ROWS} more`];
}

export function pipelineDetails(p: PipelineProgress): string {
  const s = p.summary;
  const lines = [
    `**Pipeline** ${p.name} — ${p.done ? 'done' : 'running'}`,
    '',
    `${s.succeeded} succeeded, ${s.failed} failed, ${s.skipped} skipped, ${s.cancelled} cancelled of ${s.total}; ` +
      `${p.running} running, ${s.jobsStarted} jobs started`,
  ];
  const branches = p.steps.flatMap((st) => st.branches.map((b) => ({ key: `${st.step}/${b.branch}`, b })));
  const waiting = branches.filter(({ b }) => b.status === 'waiting-input');
  if (waiting.length > 0) {
    lines.push('', '**Waiting for a person**');
    lines.push(
      ...capped(waiting.map(({ key, b }) => `- \`${key}\`: ${b.waitingFor ? waitingText(b.waitingFor) : 'input'}`))
    );
  }
  const failed = branches.filter(({ b }) => b.status === 'failed');
  if (failed.length > 0) {
    lines.push('', '**Failed**');
    lines.push(...capped(failed.map(({ key, b }) => `- \`${key}\`: ${b.failure?.type ?? 'failed'}`)));
  }
  return lines.join('\n');
}

function waitingText(w: NonNullable<PipelineProgress['steps'][number]['branches'][number]['waitingFor']>): string {
  if (w.kind === 'modal') return `${w.intent ?? 'modal'} needs ${w.needs.join(' + ') || 'an answer'}`;
  if (w.kind === 'choice') return `a choice of ${w.choices.join(', ')}`;
  return `a pick of ${w.prompts.length} prompts`;
}

/** An inline batch: its one progress line (`formatBatchLine`, measured from `startedAt` to `now`), then what failed. */
export function batchDetails(b: BatchProgress, startedAt: number, now: number): string {
  const tally = tallyOfProgress(b, startedAt, b.done ? now : undefined);
  const lines = [`**Batch** — ${b.done ? 'done' : 'running'}`, '', formatBatchLine(tally, now)];
  const failed = b.items.filter((i) => i.status === 'failed');
  if (failed.length > 0) {
    lines.push('', '**Failed**');
    lines.push(...capped(failed.map((i) => `- \`${i.id}\`: ${i.failure?.type ?? 'failed'}`)));
  }
  return lines.join('\n');
}
