/**
 * Scale run on the multi-process cluster (a command, not a test): `npm run bench:cluster`.
 *
 * Parks RELAX jobs in steps (each job's upstream task stays queued for two simulated hours at real time, so every
 * job waits on a durable timer) across two worker processes, and after each step records the start rate and, over a
 * quiet window, the CPU and memory of each Temporal service, of PostgreSQL (postmaster and backends) and of each
 * worker. Stops at SCALE_MAX_JOBS or when the machine runs low on memory. Writes
 * `bench/results/<time>-cluster-scale.{json,md}`.
 *
 * Settings: `SCALE_STEPS` (comma-separated cumulative job counts, @default 250,500,1000,2000), `SCALE_MAX_JOBS`
 * (@default the last step), `SCALE_WINDOW_S` (quiet measuring window, @default 20), `SCALE_START_CONCURRENCY`
 * (@default 25).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import path from 'node:path';
import { SERVICES } from '../../scripts/cluster/settings';
import { table } from '../helpers/chaos-harness';
import { startStack, type Stack } from './stack';

const TICKS_PER_S = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function numberList(raw: string | undefined, fallback: number[]): number[] {
  if (!raw) return fallback;
  const list = raw.split(',').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 1))
    throw new TypeError('SCALE_STEPS: positive integers, comma-separated');
  return list;
}

interface Sample {
  cpuTicks: number;
  rssKiB: number;
}

/** utime + stime and proportional set size of some processes, from /proc. */
function sample(pids: number[]): Sample {
  let cpuTicks = 0;
  let rssKiB = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuTicks += Number(fields[11]) + Number(fields[12]);
      // PSS: shared pages (PostgreSQL's shared buffers, the binaries) split among the processes that map them.
      rssKiB += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { cpuTicks, rssKiB };
}

/** The postmaster and every backend it forked. */
function postgresPids(postmaster: number): number[] {
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function groups(stack: Stack): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const s of SERVICES) out[`temporal ${s}`] = [stack.cluster.services[s].pid!];
  out.postgresql = postgresPids(stack.cluster.postgres.pid!);
  stack.workers.forEach((w, i) => (out[`worker ${i}`] = [w.child.pid!]));
  out['webhook receiver'] = [stack.webhook.child.pid!];
  return out;
}

interface StepResult {
  jobs: number;
  startSeconds: number;
  startsPerSecond: number;
  upstreamTasks: number;
  freeMemMiB: number;
  usage: Record<string, { cpuPct: number; rssMiB: number }>;
}

async function measure(stack: Stack, windowMs: number): Promise<StepResult['usage']> {
  const g = groups(stack);
  const before = Object.fromEntries(Object.entries(g).map(([k, pids]) => [k, sample(pids)]));
  const t0 = Date.now();
  await sleep(windowMs);
  const seconds = (Date.now() - t0) / 1_000;
  return Object.fromEntries(
    Object.entries(g).map(([k, pids]) => {
      const after = sample(pids);
      const cpuPct = ((after.cpuTicks - before[k]!.cpuTicks) / TICKS_PER_S / seconds) * 100;
      return [k, { cpuPct: Math.round(cpuPct * 10) / 10, rssMiB: Math.round(after.rssKiB / 1024) }];
    })
  );
}

async function main(): Promise<void> {
  const steps = numberList(process.env.SCALE_STEPS, [250, 500, 1000, 2000]);
  const max = Number(process.env.SCALE_MAX_JOBS ?? steps[steps.length - 1]);
  const windowMs = Number(process.env.SCALE_WINDOW_S ?? 20) * 1_000;
  const concurrency = Number(process.env.SCALE_START_CONCURRENCY ?? 25);
  const stack = await startStack({
    name: 'scale',
    workers: 2,
    sim: {
      timeScale: 1,
      durations: { RELAX: { queueMs: 2 * 3_600_000, runMs: 600_000 } },
      concurrency: { RELAX: 100_000 },
      queueSize: 100_000,
    },
  });
  const results: StepResult[] = [];
  const startedAt = new Date().toISOString();
  try {
    let started = 0;
    const idle = await measure(stack, windowMs);
    results.push({
      jobs: 0,
      startSeconds: 0,
      startsPerSecond: 0,
      upstreamTasks: 0,
      freeMemMiB: mib(freemem()),
      usage: idle,
    });
    for (const target of steps.filter((s) => s <= max)) {
      const t0 = Date.now();
      let next = started;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < target) {
            const n = next++;
            await stack.mj.imagine(`parked cat ${n} --v 7`, {
              mode: 'RELAX',
              jobId: `scale-${n}`,
              captureImages: false,
            });
          }
        })
      );
      // Every job has submitted its task upstream and parked on its timer.
      while (stack.sim.stats().tasks < target) await sleep(500);
      const startSeconds = (Date.now() - t0) / 1_000;
      const usage = await measure(stack, windowMs);
      const step: StepResult = {
        jobs: target,
        startSeconds: Math.round(startSeconds * 10) / 10,
        startsPerSecond: Math.round(((target - started) / startSeconds) * 10) / 10,
        upstreamTasks: stack.sim.stats().tasks,
        freeMemMiB: mib(freemem()),
        usage,
      };
      started = target;
      results.push(step);
      process.stderr.write(`[scale] ${JSON.stringify(step)}\n`);
      if (freemem() / totalmem() < 0.15) {
        process.stderr.write('[scale] stopping: under 15% of memory free\n');
        break;
      }
    }
  } finally {
    await stack.stop();
  }
  write(startedAt, results);
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

function write(startedAt: string, results: StepResult[]): void {
  const names = Object.keys(results[0]!.usage);
  const header = ['parked jobs', 'start s', 'starts/s', ...names.map((n) => `${n} CPU% / MiB`), 'free MiB'];
  const rows = results.map((r) => [
    r.jobs,
    r.startSeconds,
    r.startsPerSecond,
    ...names.map((n) => `${r.usage[n]?.cpuPct ?? '-'} / ${r.usage[n]?.rssMiB ?? '-'}`),
    r.freeMemMiB,
  ]);
  const stamp = startedAt.replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  const dir = path.resolve(__dirname, '..', '..', 'bench', 'results');
  const base = path.join(dir, `${stamp}-cluster-scale`);
  writeFileSync(`${base}.json`, `${JSON.stringify({ startedAt, results }, null, 2)}\n`);
  writeFileSync(
    `${base}.md`,
    `# Cluster scale run, ${startedAt}\n\n` +
      'Parked RELAX jobs (upstream task queued for 2 h) on the multi-process Temporal cluster on PostgreSQL, two ' +
      'worker processes. CPU is the average over a quiet window after each step (100% = one core); memory is PSS (shared pages split among the processes that map them). ' +
      'The machine has 2 cores shared with other work, so CPU figures include their noise.\n\n' +
      `${table([header, ...rows])}\n`
  );
  process.stdout.write(`${table([header, ...rows])}\nwrote ${base}.md\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
