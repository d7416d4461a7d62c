/**
 * The baseline: a pipeline written the way peers usually write it. A plain Node loop submits, then fetches every
 * 3 s with a fixed 5-minute timeout; no webhooks, no retries, no persistence. Raw undici against the same simulator.
 *
 * Every wait is simulated time divided by the simulator's time scale, so "3 s" and "5 min" mean the same thing to
 * the baseline as to the simulated proxy. Each loop is bounded in count (timeout / interval + 1 fetches, or
 * `maxPolls`) and in real time (`signal`), so it always stops by itself.
 */
import { Agent, request } from 'undici';
import type { SpeedMode } from '../src/mj/types';
import { realMs } from './lib/scale';
import { sleep } from './lib/util';

export interface BaselineOptions {
  /** The simulator (or proxy) origin, loopback only. */
  baseUrl: string;
  timeScale: number;
  /** @default 3_000 (simulated ms) */
  pollEverySimMs?: number;
  /** Fixed deadline from submit; null = wait until the task ends (the "patient" variant). @default 300_000 */
  timeoutSimMs?: number | null;
  /** Upper bound on fetches per task whatever the timeout. @default 20_000 */
  maxPolls?: number;
  dispatcher: Agent;
  /** Aborts every loop (the bench's own deadline). */
  signal: AbortSignal;
}

export interface BaselineJob {
  id: string;
  mode: SpeedMode;
  prompt: string;
}

export type BaselineStepOutcome =
  | { kind: 'succeeded'; taskId: string; polls: number }
  | { kind: 'failed'; taskId?: string; polls: number; reason: string }
  | { kind: 'timed-out'; taskId: string; polls: number; lastStatus: string };

export interface BaselineResult {
  jobId: string;
  mode: SpeedMode;
  imagine: BaselineStepOutcome;
  upscale?: BaselineStepOutcome;
  succeeded: boolean;
}

interface Task {
  id: string;
  status: string;
  buttons?: { customId: string; label?: string }[];
}

async function postJson(
  o: BaselineOptions,
  path: string,
  body: unknown
): Promise<{ code?: number; result?: unknown; description?: string }> {
  const res = await request(`${o.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    dispatcher: o.dispatcher,
    signal: o.signal,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await res.body.text();
  try {
    return JSON.parse(text) as { code?: number; result?: unknown };
  } catch {
    return { description: `HTTP ${res.statusCode}` };
  }
}

async function fetchTask(o: BaselineOptions, id: string): Promise<Task | null> {
  const res = await request(`${o.baseUrl}/mj/task/${encodeURIComponent(id)}/fetch`, {
    method: 'GET',
    dispatcher: o.dispatcher,
    signal: o.signal,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200 || !text) return null;
  return JSON.parse(text) as Task;
}

/** Submit, then fetch every 3 s until SUCCESS / FAILURE or the fixed timeout. */
async function submitAndWait(
  o: BaselineOptions,
  path: string,
  body: Record<string, unknown>
): Promise<BaselineStepOutcome & { task?: Task }> {
  const submitted = await postJson(o, path, body);
  if (submitted.code !== 1 && submitted.code !== 22) {
    return {
      kind: 'failed',
      polls: 0,
      reason: `submit answered code ${submitted.code}: ${submitted.description ?? ''}`,
    };
  }
  const taskId = String(submitted.result);
  const every = o.pollEverySimMs ?? 3_000;
  const timeout = o.timeoutSimMs === undefined ? 300_000 : o.timeoutSimMs;
  const maxPolls = Math.min(o.maxPolls ?? 20_000, timeout === null ? Infinity : Math.floor(timeout / every) + 1);
  const startedAt = Date.now();
  let lastStatus = 'unknown';
  for (let polls = 1; polls <= maxPolls; polls++) {
    await sleep(realMs(every, o.timeScale));
    if (o.signal.aborted) return { kind: 'failed', taskId, polls: polls - 1, reason: 'aborted by the bench deadline' };
    const task = await fetchTask(o, taskId).catch(() => null);
    if (task) {
      lastStatus = task.status;
      if (task.status === 'SUCCESS') return { kind: 'succeeded', taskId, polls, task };
      if (task.status === 'FAILURE' || task.status === 'CANCEL')
        return { kind: 'failed', taskId, polls, reason: task.status };
    }
    if (timeout !== null && (Date.now() - startedAt) * o.timeScale >= timeout) {
      return { kind: 'timed-out', taskId, polls, lastStatus };
    }
  }
  return { kind: 'timed-out', taskId, polls: maxPolls, lastStatus };
}

/** imagine → U1, the peer way: the customId is copied from the grid's buttons. */
export async function runBaselinePipeline(o: BaselineOptions, job: BaselineJob): Promise<BaselineResult> {
  const prefix = job.mode === 'FAST' ? '/mj-fast' : job.mode === 'RELAX' ? '/mj-relax' : '/mj-turbo';
  const imagine = await submitAndWait(o, `${prefix}/mj/submit/imagine`, {
    prompt: job.prompt,
    state: `baseline|${job.id}|imagine`,
  }).catch((err: unknown): BaselineStepOutcome => ({ kind: 'failed', polls: 0, reason: String(err) }));
  const { task: grid, ...imagineOutcome } = imagine as BaselineStepOutcome & { task?: Task };
  if (imagine.kind !== 'succeeded' || !grid)
    return { jobId: job.id, mode: job.mode, imagine: imagineOutcome, succeeded: false };
  const u1 = (grid.buttons ?? []).find((b) => b.label === 'U1' || /::upsample::1::/.test(b.customId));
  if (!u1) {
    return {
      jobId: job.id,
      mode: job.mode,
      imagine: imagineOutcome,
      upscale: { kind: 'failed', polls: 0, reason: 'no U1 button' },
      succeeded: false,
    };
  }
  const upscale = await submitAndWait(o, `${prefix}/mj/submit/action`, {
    taskId: grid.id,
    customId: u1.customId,
    state: `baseline|${job.id}|upscale`,
  }).catch((err: unknown): BaselineStepOutcome => ({ kind: 'failed', polls: 0, reason: String(err) }));
  const { task: _ignored, ...upscaleOutcome } = upscale as BaselineStepOutcome & { task?: Task };
  return {
    jobId: job.id,
    mode: job.mode,
    imagine: imagineOutcome,
    upscale: upscaleOutcome,
    succeeded: upscale.kind === 'succeeded',
  };
}
