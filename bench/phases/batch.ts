/**
 * Phase "batch": one paged batch of `MJ_BENCH_BATCH_ITEMS` prompts (default 2,000; 300 with --quick; the 10,000-item
 * run is `MJ_BENCH_BATCH_ITEMS=10000 npm run bench -- --phases batch`) against an instant simulator, on one worker
 * process, images captured. Reported: items/s, history events per item (batch and chunk workflows, and the item jobs
 * sampled), the largest single run of any of them, the worker's RSS, and the manifest's correctness: every item
 * listed once, every stored file's sha256 as the manifest says.
 */
import path from 'node:path';
import { LocalAssetStore } from '../../src/assets';
import { sha256Hex } from '../../src/assets/asset-keys';
import { MjBatchesClient } from '../../src/client/batches';
import type { BatchLiveProgress } from '../../src/shared/batch-run-types';
import { MAX_CONCURRENCY } from '../../src/shared/defaults';
import { chunkWorkflowId } from '../../src/workflows/batch/paged-batch-run';
import type { BenchContext } from '../lib/context';
import { startDevServer } from '../lib/dev-server';
import { workflowHistoryStats } from '../lib/histories';
import { watchProc } from '../lib/proc';
import { scaledPolicy } from '../lib/scale';
import { startBenchSimulator } from '../lib/sim';
import { errorMessage, mapLimit, round, sleep } from '../lib/util';
import { spawnWorker } from '../lib/workers';
import { TIMER_FLOOR } from './mix';

export interface BatchPhaseResult {
  items: number;
  concurrency: number;
  chunkSize: number;
  timeScale: number;
  state: string;
  succeeded: number;
  failed: number;
  seconds: number;
  itemsPerSec: number;
  /** Events of the batch workflow (every run) and its chunk workflows, per item. */
  batchEventsPerItem: number;
  /** Mean events of one item's job (sampled). */
  jobEventsPerItem: number;
  batchRuns: number;
  /** Largest single run of the batch, of any chunk and of the sampled jobs. */
  maxRunEvents: { batch: number; chunk: number; job: number };
  workerRssMiB: { end: number; peak: number };
  manifest: {
    lines: number;
    itemsListed: number;
    itemsTwice: number;
    itemsMissing: number;
    files: number;
    sha256Mismatches: number;
    correct: boolean;
  };
  error?: string;
}

const MiB = 1024 * 1024;
const JOB_SAMPLE = 50;

function itemCount(quick: boolean): number {
  const raw = process.env.MJ_BENCH_BATCH_ITEMS;
  if (raw === undefined) return quick ? 300 : 2_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error('MJ_BENCH_BATCH_ITEMS must be a positive integer');
  return n;
}

export async function runBatchPhase(ctx: BenchContext): Promise<BatchPhaseResult> {
  const items = itemCount(ctx.flags.quick);
  const timeScale = 100;
  const concurrency = MAX_CONCURRENCY;
  const chunkSize = 100;
  ctx.log(`batch: ${items} items, concurrency ${concurrency}, chunks of ${chunkSize}, time scale ${timeScale}`);
  const server = await startDevServer({ dir: ctx.tmpDir, name: 'batch', log: ctx.log, timerFloor: TIMER_FLOOR });
  const sim = await startBenchSimulator({
    timeScale,
    seed: ctx.flags.seed,
    durations: { FAST: { queueMs: 500, runMs: 1_500 } },
  });
  const assetDir = path.join(ctx.tmpDir, 'assets-batch');
  const taskQueue = `bench-batch-${Date.now()}`;
  const worker = await spawnWorker({
    address: server.address,
    taskQueue,
    simUrl: sim.url,
    notifyHookUrl: null,
    bundlePath: ctx.bundlePath,
    maxCachedWorkflows: ctx.flags.cache,
    assetDir,
    logFile: path.join(ctx.tmpDir, 'worker-batch.log'),
  });
  const proc = watchProc(worker.pid);
  const store = new LocalAssetStore({ dir: assetDir });
  const batches = new MjBatchesClient(server.client, store, taskQueue, { budgets: async () => [] }, []);
  try {
    const text = Array.from({ length: items }, (_, i) => `bench catalogue item ${i + 1} --v 7`).join('\n');
    const t0 = Date.now();
    const { batchId } = await batches.start(text, {
      concurrency,
      chunkSize,
      captureImages: true,
      policy: scaledPolicy('FAST', timeScale),
    });
    let p: BatchLiveProgress | undefined;
    let lastLog = 0;
    for (;;) {
      p = await batches.progress(batchId).catch(() => p);
      if (p && (p.state === 'done' || p.state === 'cancelled')) break;
      if (Date.now() - lastLog > 30_000 && p) {
        lastLog = Date.now();
        ctx.log(`batch: ${p.done}/${p.total}, ${p.ratePerMinute.toFixed(0)}/min`);
      }
      if (ctx.remainingMs() < -10 * 60_000) throw new Error('bench budget passed by 10 min; batch left running');
      await sleep(1_000);
    }
    const seconds = (Date.now() - t0) / 1000;
    const samples = proc.samples();
    const rss = { end: round((samples.at(-1)?.rssBytes ?? 0) / MiB, 1)!, peak: round(proc.maxRss() / MiB, 1)! };

    const parent = await workflowHistoryStats(server.client, batchId, { maxRuns: 1_000 });
    const chunkIds = Array.from({ length: Math.ceil(items / chunkSize) }, (_, i) => chunkWorkflowId(batchId, i));
    const chunks = await mapLimit(chunkIds, 4, (id) => workflowHistoryStats(server.client, id));
    const lines = await batches.manifest(batchId);
    const sampleIds = [...new Set(lines.map((l) => l.jobId).filter((j): j is string => !!j))].slice(0, JOB_SAMPLE);
    const jobs = await mapLimit(sampleIds, 4, (id) => workflowHistoryStats(server.client, id));

    const perItem = new Map<string, Set<string>>();
    let twice = 0;
    for (const l of lines) {
      const files = perItem.get(l.itemId) ?? new Set<string>();
      const key = `${l.step}/${l.branch}/${l.n}`;
      if (files.has(key)) twice++;
      files.add(key);
      perItem.set(l.itemId, files);
    }
    const expected = Array.from({ length: items }, (_, i) => `item-${i + 1}`);
    const missing = expected.filter((id) => !perItem.has(id)).length;
    const fileLines = lines.filter((l) => l.asset);
    const mismatches = (
      await mapLimit(fileLines, 8, async (l) => sha256Hex(await store.get(l.asset!)) === l.sha256)
    ).filter((ok) => !ok).length;
    const chunkEvents = chunks.reduce((s, c) => s + c.events.total, 0);
    return {
      items,
      concurrency,
      chunkSize,
      timeScale,
      state: p!.state,
      succeeded: p!.succeeded,
      failed: p!.failed,
      seconds: round(seconds, 1)!,
      itemsPerSec: round(items / seconds, 2)!,
      batchEventsPerItem: round((parent.events.total + chunkEvents) / items, 2)!,
      jobEventsPerItem: round(jobs.reduce((s, j) => s + j.events.total, 0) / Math.max(1, jobs.length), 1)!,
      batchRuns: parent.runs,
      maxRunEvents: {
        batch: parent.maxRunEvents,
        chunk: Math.max(0, ...chunks.map((c) => c.maxRunEvents)),
        job: Math.max(0, ...jobs.map((j) => j.maxRunEvents)),
      },
      workerRssMiB: rss,
      manifest: {
        lines: lines.length,
        itemsListed: perItem.size,
        itemsTwice: twice,
        itemsMissing: missing,
        files: fileLines.length,
        sha256Mismatches: mismatches,
        correct: twice === 0 && missing === 0 && perItem.size === items && mismatches === 0,
      },
    };
  } catch (err) {
    throw new Error(`batch phase: ${errorMessage(err)}`, { cause: err });
  } finally {
    proc.stop();
    await worker.stop();
    await sim.close();
    await server.stop();
  }
}
