/**
 * The finish forecast of a polling job: the arithmetic of `FinishForecast`, and what it does to a relax job whose
 * progress steps are far apart (`JobRun` on a fake clock): SUCCESS is seen soon after it happens, where the ramp alone
 * sees it up to one grown interval late.
 */
import type { JobInput, TaskSnapshot } from '../../../src/shared/types';
import { SeededRandom } from '../../../src/simulator/random';
import { FinishForecast } from '../../../src/workflows/job/finish-forecast';
import { JobRun } from '../../../src/workflows/job/job-run';
import { FakeHost, snapshot } from '../../helpers/job-run-host';

describe('FinishForecast', () => {
  it('has no forecast until the task moved at least 25 points (two steps)', () => {
    const f = new FinishForecast();
    expect(f.finishAt()).toBeUndefined();
    f.observe(0, 1_000);
    expect(f.finishAt()).toBeUndefined();
    f.observe(15, 2_000);
    expect(f.finishAt()).toBeUndefined();
    f.observe(40, 5_000);
    // 40 points in 4 s: the remaining 60 take 6 s more.
    expect(f.finishAt()).toBe(11_000);
    expect(f.dueInMs(6_000)).toBe(5_000);
  });

  it('uses the mean rate since the first percentage, ignoring repeats and bad values', () => {
    const f = new FinishForecast();
    f.observe(0, 0);
    f.observe(50, 10_000);
    f.observe(50, 14_000);
    f.observe(null, 15_000);
    f.observe(Number.NaN, 15_000);
    expect(f.finishAt()).toBe(20_000);
  });

  it('is polled at once per percentage: spent until the task moves again', () => {
    const f = new FinishForecast();
    f.observe(0, 0);
    f.observe(40, 4_000);
    expect(f.dueInMs(9_000)).toBe(1_000);
    f.spend();
    expect(f.dueInMs(9_000)).toBeUndefined();
    f.observe(80, 12_000);
    expect(f.dueInMs(12_000)).toBe(3_000);
  });

  it('starts over when the percentage goes down (a new phase) or on reset, and never forecasts at 100 %', () => {
    const f = new FinishForecast();
    f.observe(0, 0);
    f.observe(60, 6_000);
    f.observe(10, 7_000);
    expect(f.finishAt()).toBeUndefined();
    f.observe(100, 9_000);
    expect(f.finishAt()).toBeUndefined();
    f.reset();
    f.observe(30, 10_000);
    expect(f.finishAt()).toBeUndefined();
  });
});

/** The simulator's progress model: SUBMITTED for `queueMs`, then 0, 15, … 93 % in 7 equal steps, SUCCESS at `runMs`. */
function relaxTask(host: FakeHost, queueMs: number, runMs: number) {
  const steps = [0, 15, 31, 46, 62, 78, 93];
  let startAt = 0;
  const fetchAt: number[] = [];
  return {
    submitTask: async () => {
      startAt = host.time + queueMs;
      return { kind: 'accepted' as const, taskId: 'R1' };
    },
    fetchTask: async (): Promise<TaskSnapshot> => {
      fetchAt.push(host.time);
      const t = host.time - startAt;
      if (t < 0) return snapshot('R1', 'SUBMITTED', { mode: 'RELAX' });
      if (t >= runMs) return snapshot('R1', 'SUCCESS', { mode: 'RELAX' });
      const pct = steps[Math.min(steps.length - 1, Math.floor((t * steps.length) / runMs))];
      return snapshot('R1', 'IN_PROGRESS', { mode: 'RELAX', progress: `${pct}%`, progressPct: pct });
    },
    successAt: () => startAt + runMs,
    fetchAt,
  };
}

async function detectionDelay(runMs: number, seed?: number): Promise<{ delayMs: number; fetches: number }> {
  const host = new FakeHost(`mj-job-forecast-${runMs}`);
  if (seed !== undefined) {
    // A seeded stand-in for the workflow's Math.random.
    const r = new SeededRandom(seed);
    host.random = () => r.next();
  }
  const task = relaxTask(host, 5_000, runMs);
  host.activities.submitTask.mockImplementation(task.submitTask);
  host.activities.fetchTask.mockImplementation(task.fetchTask);
  const input: JobInput = {
    request: { kind: 'imagine', prompt: 'a fox --relax' },
    mode: 'RELAX',
    captureImages: false,
  };
  await new JobRun(input, host).run();
  return { delayMs: task.fetchAt.at(-1)! - task.successAt(), fetches: task.fetchAt.length };
}

describe('JobRun polling a relax task (RELAX defaults, no webhooks)', () => {
  // Steps 86 s apart (10 min imagine), 21 s (2.5 min upscale) and 8.6 min (1 h). Without the forecast the ramp stops
  // at an interval near the step length, whose phase against SUCCESS decides the delay (no jitter: 51 s, 14 s and
  // 174 s late); with it the poll comes at the forecast and, as the last step runs long, a few short waits after it.
  it.each([
    [600_000, 15_000, 13],
    [150_000, 10_000, 10],
    [3_600_000, 60_000, 26],
  ])('sees SUCCESS of a %p ms run within %p ms, in at most %p fetches', async (runMs, maxDelayMs, maxFetches) => {
    const { delayMs, fetches } = await detectionDelay(runMs);
    expect(delayMs).toBeGreaterThanOrEqual(0);
    expect(delayMs).toBeLessThanOrEqual(maxDelayMs);
    expect(fetches).toBeLessThanOrEqual(maxFetches);
  });

  // Without the forecast: median 45 s, slowest 123 s, 13.7 fetches a job; with it: 8.5 s, 34 s, 14.9 fetches.
  it('keeps the delay short under ±15 % jitter too (40 seeds of a 10 min imagine), for about one fetch more', async () => {
    const delays: number[] = [];
    let fetches = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = await detectionDelay(600_000, seed);
      delays.push(r.delayMs);
      fetches += r.fetches;
    }
    delays.sort((a, b) => a - b);
    expect(delays[0]).toBeGreaterThanOrEqual(0);
    expect(delays[19]).toBeLessThanOrEqual(15_000);
    expect(delays[39]).toBeLessThanOrEqual(40_000);
    expect(fetches / 40).toBeLessThanOrEqual(16);
  });
});

describe('JobRun after a forecast that came too early', () => {
  /** A relax task that makes three quick 15-point steps (forecast: done at ~7 min), stalls, then creeps 1 % per 20 s from 8 min. */
  function slowingTask(host: FakeHost) {
    let startAt = 0;
    const fetchAt: number[] = [];
    const pctAt = (t: number) =>
      t < 60_000 ? 0 : t < 120_000 ? 15 : t < 180_000 ? 31 : t < 480_000 ? 46 : 46 + Math.floor((t - 480_000) / 20_000);
    host.activities.submitTask.mockImplementation(async () => {
      startAt = host.time;
      return { kind: 'accepted' as const, taskId: 'S1' };
    });
    host.activities.fetchTask.mockImplementation(async () => {
      const t = host.time - startAt;
      fetchAt.push(t);
      if (t >= 1_700_000) return snapshot('S1', 'SUCCESS', { mode: 'RELAX' });
      const pct = Math.min(99, pctAt(t));
      return snapshot('S1', 'IN_PROGRESS', { mode: 'RELAX', progress: `${pct}%`, progressPct: pct });
    });
    return fetchAt;
  }

  it('runs a short ramp of its own while the task is due, and drops it once the task moves again', async () => {
    const host = new FakeHost('mj-job-forecast-slow');
    const fetchAt = slowingTask(host);
    const input: JobInput = {
      request: { kind: 'imagine', prompt: 'a fox --relax' },
      mode: 'RELAX',
      captureImages: false,
    };
    await new JobRun(input, host).run();
    // The miss: a wait of `initialInterval`, then each wait at least the one before while nothing moves.
    const stalled = fetchAt.filter((t) => t > 300_000 && t < 480_000);
    const gaps = stalled.slice(1).map((t, i) => t - stalled[i]);
    const miss = gaps.indexOf(Math.min(...gaps));
    expect(gaps[miss]).toBe(5_000);
    expect(gaps.slice(miss).every((g, i, a) => i === 0 || g >= a[i - 1])).toBe(true);
    // Creeping (a change at nearly every poll) does not keep the short ramp's 5–20 s waits: the regular ramp's
    // interval is back, so the 19 creeping minutes cost about 15 polls (a short ramp kept while moving: 57).
    const creeping = fetchAt.filter((t) => t >= 500_000 && t < 1_650_000);
    expect(creeping.length).toBeLessThanOrEqual(20);
  });
});
