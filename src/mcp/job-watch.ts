/**
 * Where the MCP server learns how a job goes on: the one module to change when the per-job event feed
 * (`src/shared/job-events.ts`) is served. Until then it reads the job's view (`ConsoleBackend.getJob`, which needs no
 * worker for what is past) at a fixed interval and hands out each view that differs from the last.
 */
import type { ConsoleBackend, ConsoleJob, TenantId } from '../console/backend';

/** How often a job's view is read while someone waits for it. @unit ms */
export const WATCH_INTERVAL_MS = 500;

export function isTerminalState(state: ConsoleJob['state']): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/** What a client is told about: a change of any of these is a new view. */
function signature(j: ConsoleJob): string {
  return JSON.stringify([j.state, j.status, j.progressPct, j.waitingFor?.needs, j.buttons.length, j.images.length]);
}

/**
 * The job's views from now on, each one that differs from the one before, ending after a terminal one or when
 * `signal` aborts. Yields nothing for a job the tenant does not have.
 */
export async function* watchJob(
  backend: Pick<ConsoleBackend, 'getJob'>,
  tenant: TenantId,
  jobId: string,
  signal: AbortSignal,
  intervalMs = WATCH_INTERVAL_MS
): AsyncGenerator<ConsoleJob> {
  let last = '';
  while (!signal.aborted) {
    const job = await backend.getJob(tenant, jobId);
    if (!job) return;
    const sig = signature(job);
    if (sig !== last) {
      last = sig;
      yield job;
    }
    if (isTerminalState(job.state)) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, intervalMs);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
