/**
 * Output of the paged batch commands (`batch status|estimate|results`): the one-line summary of a batch's live
 * progress, and writing a manifest's files under their readable names.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AssetStore } from '../assets/asset-store';
import type { BatchEstimate } from '../client/batch-estimate';
import type { BatchLiveProgress, ManifestLine } from '../shared/batch-run-types';
import { formatBatchLine } from '../shared/batch-tally';

/**
 * `mj-batch-x: running · 110/10000 done · 10 failed · 4 running · 9876 waiting · 35/min · ETA 4h 40m · deadline
 * 2026-12-06 07:00 UTC: reachable · spent 120 of 500 USD`: the one progress line (`formatBatchLine`) at `now`, with
 * the state and the budget.
 */
export function describeLiveBatch(p: BatchLiveProgress, now = Date.now()): string {
  const parts = [`${p.batchId}: ${p.state}`, formatBatchLine(p, now, p.settings)];
  if (p.budget !== undefined) parts.push(`spent ${p.spent} of ${p.budget} ${p.currency ?? ''}`.trim());
  if (p.budgetStopped) parts.push('stopped at the budget');
  return parts.join(' · ');
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
