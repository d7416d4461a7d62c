/** The "batch" phase in the report: its target rows (manifest correct, bounded history) and its markdown section. */
import type { TargetCheck } from '../report-types';
import type { BatchPhaseResult } from './batch';

export function batchTargets(b: BatchPhaseResult | undefined): TargetCheck[] {
  if (!b) return [];
  const m = b.manifest;
  const largest = Math.max(b.maxRunEvents.batch, b.maxRunEvents.chunk, b.maxRunEvents.job);
  return [
    {
      target: `Paged batch of ${b.items} items completes with a correct manifest (batch phase)`,
      goal: 'every item once, every sha256 matches',
      measured: `${b.state}, ${m.itemsListed}/${b.items} listed, ${m.itemsTwice} twice, ${m.sha256Mismatches}/${m.files} mismatches`,
      met: b.state === 'done' && m.correct,
    },
    {
      target: 'Paged batch: no run near the history limits (batch phase)',
      goal: 'largest run < 4,096 events',
      measured: `batch ${b.maxRunEvents.batch}, chunk ${b.maxRunEvents.chunk}, job ${b.maxRunEvents.job}`,
      met: largest < 4_096,
    },
  ];
}

export function batchSection(b: BatchPhaseResult | undefined): string[] {
  if (!b) return [];
  const m = b.manifest;
  return [
    '',
    `## Batch: ${b.items} items, concurrency ${b.concurrency}, chunks of ${b.chunkSize}, time scale ${b.timeScale}`,
    '',
    `${b.succeeded} succeeded, ${b.failed} failed (${b.state}) in ${b.seconds} s.`,
    '',
    '| items/s | batch events / item | job events / item | batch runs | largest run (batch / chunk / job) | worker RSS MiB (end / peak) | manifest |',
    '|---|---|---|---|---|---|---|',
    `| ${b.itemsPerSec} | ${b.batchEventsPerItem} | ${b.jobEventsPerItem} | ${b.batchRuns} | ${b.maxRunEvents.batch} / ${b.maxRunEvents.chunk} / ${b.maxRunEvents.job} | ${b.workerRssMiB.end} / ${b.workerRssMiB.peak} | ${m.correct ? 'correct' : 'WRONG'}: ${m.lines} lines, ${m.itemsListed} items, ${m.files} files |`,
  ];
}
