/**
 * Output of the paged batch commands (`batch status|estimate|results`): the one-line summary of a batch's live
 * progress, and writing a manifest's files under their readable names.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AssetStore } from '../assets/asset-store';
import type { BatchEstimate } from '../client/batch-estimate';
import type { BatchLiveProgress, ManifestLine } from '../shared/batch-run-types';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `mj-batch-x: running 120/10000 (110 ok, 10 failed, 4 running, 9876 waiting), 35.2/min, ETA …`. */
export function describeLiveBatch(p: BatchLiveProgress): string {
  const parts = [
    `${p.batchId}: ${p.state} ${p.done}/${p.total}`,
    `(${p.succeeded} ok, ${p.failed} failed, ${p.cancelled} cancelled, ${p.notStarted} not started, ` +
      `${p.running} running, ${p.waiting} waiting)`,
    `${p.ratePerMinute.toFixed(1)}/min`,
  ];
  if (p.eta !== undefined) parts.push(`ETA ${iso(p.eta)}`);
  if (p.deadline) {
    const r = p.deadline.reachable;
    parts.push(
      `deadline ${iso(p.deadline.at)} ${r === 'unknown' ? '(not known yet)' : r ? 'reachable' : 'NOT reachable'}`
    );
  }
  if (p.budget !== undefined) parts.push(`spent ${p.spent} of ${p.budget} ${p.currency ?? ''}`.trim());
  if (p.budgetStopped) parts.push('stopped at the budget');
  return parts.join(', ');
}

export function describeEstimate(e: BatchEstimate): string {
  if (!e.priced) return `${e.items} items, ${e.jobs} jobs; no prices configured (MJ_UPSTREAMS prices), so no estimate`;
  return `${e.items} items, ${e.jobs} jobs, at most ${e.total} ${e.currency} at the configured prices`;
}

/** Writes each stored file of the manifest to `dir/<name>`. @returns how many were written */
export async function writeManifestFiles(store: AssetStore, lines: ManifestLine[], dir: string): Promise<number> {
  let n = 0;
  for (const l of lines) {
    if (!l.asset || !l.name) continue;
    const target = path.join(dir, ...l.name.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, await store.get(l.asset));
    n++;
  }
  return n;
}
