/**
 * The simulator as the benchmark uses it: one instance per variant (same seed, same options, same job arrivals), an
 * unbounded request log, and the analysis that turns that log into upstream requests per job and detection latency.
 */
import type { SpeedMode } from '../../src/mj/types';
import { startSimulator, type ModeDurations, type RequestRecord, type Simulator } from '../../src/simulator';

/** Room for every job at once: the benchmark measures polling, not account slots (documented in the report). */
export const UNLIMITED_SLOTS = 100_000;

export interface BenchSimOptions {
  timeScale: number;
  seed: number;
  durations?: Partial<Record<SpeedMode, ModeDurations>>;
  /** Request log entries kept; the analysis needs all of them. */
  maxRequestLog?: number;
}

export function startBenchSimulator(o: BenchSimOptions): Promise<Simulator> {
  return startSimulator({
    flavour: 'trueai',
    host: '127.0.0.1',
    timeScale: o.timeScale,
    seed: o.seed,
    durations: o.durations,
    concurrency: { FAST: UNLIMITED_SLOTS, RELAX: UNLIMITED_SLOTS, TURBO: UNLIMITED_SLOTS },
    queueSize: UNLIMITED_SLOTS,
    maxRequestLog: o.maxRequestLog ?? 5_000_000,
  });
}

/** The fields of a rendered (trueai) task the analysis reads. */
export interface TaskView {
  id: string;
  parentId: string | null;
  status: string;
  state: string | null;
  prompt: string;
  action: string;
  requestMode: string | null;
  submitTime: number;
  startTime: number | null;
  finishTime: number | null;
}

export function taskViews(sim: Simulator): TaskView[] {
  return sim.tasks().map((raw) => {
    const t = raw as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' && v > 0 ? v : null);
    return {
      id: String(t.id),
      parentId: typeof t.parentId === 'string' && t.parentId ? t.parentId : null,
      status: String(t.status),
      state: typeof t.state === 'string' ? t.state : null,
      prompt: String(t.prompt ?? ''),
      action: String(t.action ?? ''),
      requestMode: typeof t.requestMode === 'string' ? t.requestMode : null,
      submitTime: num(t.submitTime) ?? 0,
      startTime: num(t.startTime),
      finishTime: num(t.finishTime),
    };
  });
}

export const JOB_TAG = 'benchjob-';
const JOB_TAG_RE = /benchjob-([A-Za-z0-9_-]+)/;

export function jobIdOfText(text: string | undefined): string | undefined {
  return text ? JOB_TAG_RE.exec(text)?.[1] : undefined;
}

export type RequestKind = 'submit-imagine' | 'submit-action' | 'fetch' | 'other';

export function classifyRequest(r: Pick<RequestRecord, 'path'>): { kind: RequestKind; taskId?: string } {
  const m = /^(?:\/mj-(?:fast|relax|turbo))?\/mj\/(.*)$/.exec(r.path);
  if (!m) return { kind: 'other' };
  const rest = m[1];
  if (rest === 'submit/imagine') return { kind: 'submit-imagine' };
  if (rest === 'submit/action') return { kind: 'submit-action' };
  const f = /^task\/([^/]+)\/fetch$/.exec(rest);
  if (f) return { kind: 'fetch', taskId: decodeURIComponent(f[1]) };
  return { kind: 'other' };
}

export interface JobRequests {
  submit: number;
  action: number;
  fetch: number;
  other: number;
  total: number;
}

const emptyRequests = (): JobRequests => ({ submit: 0, action: 0, fetch: 0, other: 0, total: 0 });

export interface TaskRole {
  jobId: string;
  role: 'imagine' | 'upscale';
}

export interface UpstreamAnalysis {
  perJob: Map<string, JobRequests>;
  totals: JobRequests;
  /** Requests that could not be tied to a job (should be 0). */
  unattributed: number;
  roles: Map<string, TaskRole>;
  /** Per task that reached SUCCESS: simulated ms from SUCCESS to the first fetch that saw it; null = never seen. */
  detection: { taskId: string; jobId: string; role: TaskRole['role']; latencySimMs: number | null }[];
  /** Simulated ms from the imagine's SUCCESS to the upscale submit (the pipeline's hand-off). */
  handoffSimMs: { jobId: string; ms: number }[];
  /** Tasks created upstream that were not SUCCESS-and-collected: still running, or finished but never fetched. */
  uncollected: { taskId: string; jobId: string; role: TaskRole['role']; status: string }[];
}

/** Ties every request of the log to a job (by prompt tag, task id or parent task id) and measures detection. */
export function analyseUpstream(requests: readonly RequestRecord[], tasks: readonly TaskView[]): UpstreamAnalysis {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const roles = new Map<string, TaskRole>();
  for (const t of tasks) {
    const own = jobIdOfText(t.prompt);
    if (!t.parentId && own) roles.set(t.id, { jobId: own, role: 'imagine' });
  }
  for (const t of tasks) {
    if (!t.parentId) continue;
    const parent = roles.get(t.parentId);
    if (parent) roles.set(t.id, { jobId: parent.jobId, role: 'upscale' });
  }

  const perJob = new Map<string, JobRequests>();
  const totals = emptyRequests();
  let unattributed = 0;
  const fetchesByTask = new Map<string, number[]>();
  const bump = (jobId: string | undefined, field: keyof Omit<JobRequests, 'total'>) => {
    totals[field]++;
    totals.total++;
    if (!jobId) {
      unattributed++;
      return;
    }
    let j = perJob.get(jobId);
    if (!j) perJob.set(jobId, (j = emptyRequests()));
    j[field]++;
    j.total++;
  };
  for (const r of requests) {
    const c = classifyRequest(r);
    if (c.kind === 'submit-imagine') bump(jobIdOfText(r.bodySummary), 'submit');
    else if (c.kind === 'submit-action') {
      const parent = /"taskId":"(\d+)"/.exec(r.bodySummary ?? '')?.[1];
      bump(parent ? roles.get(parent)?.jobId : undefined, 'action');
    } else if (c.kind === 'fetch') {
      bump(roles.get(c.taskId!)?.jobId, 'fetch');
      let list = fetchesByTask.get(c.taskId!);
      if (!list) fetchesByTask.set(c.taskId!, (list = []));
      list.push(r.at);
    } else bump(undefined, 'other');
  }

  const detection: UpstreamAnalysis['detection'] = [];
  const uncollected: UpstreamAnalysis['uncollected'] = [];
  for (const [taskId, role] of roles) {
    const t = byId.get(taskId)!;
    let latency: number | null = null;
    if (t.status === 'SUCCESS' && t.finishTime !== null) {
      const seen = (fetchesByTask.get(taskId) ?? []).filter((at) => at >= t.finishTime!).sort((a, b) => a - b)[0];
      latency = seen === undefined ? null : seen - t.finishTime;
      detection.push({ taskId, jobId: role.jobId, role: role.role, latencySimMs: latency });
    }
    if (latency === null) uncollected.push({ taskId, jobId: role.jobId, role: role.role, status: t.status });
  }
  const handoffSimMs: UpstreamAnalysis['handoffSimMs'] = [];
  for (const t of tasks) {
    const role = roles.get(t.id);
    const parent = t.parentId ? byId.get(t.parentId) : undefined;
    if (role?.role === 'upscale' && parent?.finishTime) handoffSimMs.push({ jobId: role.jobId, ms: t.submitTime - parent.finishTime });
  }
  return { perJob, totals, unattributed, roles, detection, handoffSimMs, uncollected };
}

/** Converts simulated epoch ms of a ScaledClock to real epoch ms, using one paired reading of both clocks. */
export function simToRealConverter(sim: Simulator, timeScale: number): (simMs: number) => number {
  const real0 = Date.now();
  const sim0 = sim.clock.now();
  return (simMs: number) => real0 + (simMs - sim0) / timeScale;
}
