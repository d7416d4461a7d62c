/**
 * Live progress over server-sent events: `GET <base>/events?ids=a,b` streams one `job` event per change of each
 * listed job (state, upstream status, percentage) until every one is finished or the page goes away. The page then
 * swaps in the fresh card or job section (console.js). Ids the tenant does not own are silently left out.
 */
import type { ConsoleJob } from './backend';
import type { SignedIn } from './context';
import { securityHeaders } from './http';
import { isTerminal } from './pages/format';

const MAX_IDS = 60;
const KEEPALIVE_MS = 15_000;

type Snapshot = Pick<ConsoleJob, 'id' | 'state' | 'status' | 'progressPct'>;

export async function streamEvents(c: SignedIn): Promise<void> {
  const { backend, liveIntervalMs } = c.settings;
  const ids = [...new Set((c.url.searchParams.get('ids') ?? '').split(',').filter(Boolean))].slice(0, MAX_IDS);
  securityHeaders(c.res);
  c.res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  c.res.write('retry: 2000\n\n');
  let open = true;
  c.req.on('close', () => (open = false));
  const last = new Map<string, string>();
  const pending = new Set(ids);
  let quietFor = 0;
  while (open && pending.size > 0) {
    const jobs = await Promise.all([...pending].map((id) => backend.getJob(c.session.tenant, id).catch(() => null)));
    for (const [i, id] of [...pending].entries()) {
      const job = jobs[i];
      if (!job) {
        pending.delete(id);
        continue;
      }
      const snap: Snapshot = { id, state: job.state, status: job.status, progressPct: job.progressPct };
      const text = JSON.stringify(snap);
      if (last.get(id) !== text) {
        last.set(id, text);
        c.res.write(`event: job\ndata: ${text}\n\n`);
        quietFor = 0;
      }
      if (isTerminal(job.state)) pending.delete(id);
    }
    quietFor += liveIntervalMs;
    if (quietFor >= KEEPALIVE_MS) {
      c.res.write(': keep-alive\n\n');
      quietFor = 0;
    }
    if (pending.size > 0) await sleep(liveIntervalMs);
  }
  if (open) c.res.write('event: done\ndata: {}\n\n');
  c.res.end();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
