/**
 * What readers show: the workflow's own state, with the progress store's newer percentage laid over it while the job
 * is queued or running (see `progress-store.ts`). One function per shape readers hold: the progress query's answer
 * (client, CLI bars, console) and the job memo (gateway `progress` field, lists).
 */
import type { JobMemo } from '../shared/job-memo';
import type { JobPhase, JobProgress } from '../shared/types';
import type { TaskStatus } from '../mj/types';
import { newerProgress, type ProgressStore } from './progress-store';

const OPEN: ReadonlySet<JobPhase> = new Set<JobPhase>(['queued', 'running']);

/** The progress query's answer with stored webhook progress when it is further along. */
export async function withStoredProgress(p: JobProgress, store: ProgressStore | undefined): Promise<JobProgress> {
  if (!store || !p.taskId || !OPEN.has(p.phase)) return p;
  const confirmed = { taskId: p.taskId, status: p.status, progress: p.progressPct === null ? '' : `${p.progressPct}%` };
  const e = newerProgress(confirmed, await store.get(p.taskId));
  if (!e) return p;
  return {
    ...p,
    status: e.status as TaskStatus,
    progressPct: e.progressPct ?? p.progressPct,
    phase: e.status === 'IN_PROGRESS' ? 'running' : p.phase,
  };
}

/** The job memo with stored webhook progress when it is further along. */
export async function memoWithStoredProgress(m: JobMemo, store: ProgressStore | undefined): Promise<JobMemo> {
  if (!store || !m.taskId || !OPEN.has(m.phase)) return m;
  const e = newerProgress(m, await store.get(m.taskId));
  if (!e) return m;
  return {
    ...m,
    status: e.status as TaskStatus,
    progress: e.progress,
    phase: e.status === 'IN_PROGRESS' ? 'running' : m.phase,
  };
}
