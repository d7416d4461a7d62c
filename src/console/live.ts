/**
 * Live progress over server-sent events: `GET <base>/events?ids=a,b` streams one `job` event per change of each
 * listed job (state, upstream status, percentage) until every one is finished or the page goes away. The page then
 * swaps in the fresh card or job section (console.js). Ids the tenant does not own are silently left out.
 *
 * A job's changes come from its event feed (the one the gateway's streams and `MjJobsClient.events` read): each feed
 * event re-reads the job's card, and nothing is read while the job is quiet. Pipelines and batches, and backends
 * without a feed, are read every `liveIntervalMs`.
 */
import type { ConsoleJob } from './backend';
import type { SignedIn } from './context';
import { securityHeaders } from './http';
import { isTerminal } from './pages/format';

const MAX_IDS = 60;
const KEEPALIVE_MS = 15_000;

type Snapshot = Pick<ConsoleJob, 'id' | 'state' | 'status' | 'progressPct'>;

export async function streamEvents(c: SignedIn): Promise<void> {
  const ids = [...new Set((c.url.searchParams.get('ids') ?? '').split(',').filter(Boolean))].slice(0, MAX_IDS);
  securityHeaders(c.res);
  c.res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  c.res.write('retry: 2000\n\n');
  const gone = new AbortController();
  c.req.on('close', () => gone.abort());
  let wrote = Date.now();
  const keepAlive = setInterval(() => {
    if (Date.now() - wrote < KEEPALIVE_MS) return;
    c.res.write(': keep-alive\n\n');
    wrote = Date.now();
  }, KEEPALIVE_MS / 3);
  keepAlive.unref();
  const send = (snap: Snapshot) => {
    c.res.write(`event: job\ndata: ${JSON.stringify(snap)}\n\n`);
    wrote = Date.now();
  };
  try {
    await Promise.all(ids.map((id) => follow(c, id, gone.signal, send).catch(() => undefined)));
  } finally {
    clearInterval(keepAlive);
  }
  if (!gone.signal.aborted) c.res.write('event: done\ndata: {}\n\n');
  c.res.end();
}

/** Sends the job's snapshot whenever it changes, until it is finished (or unknown) or the page goes away. */
async function follow(c: SignedIn, id: string, signal: AbortSignal, send: (s: Snapshot) => void): Promise<void> {
  const { backend, liveIntervalMs } = c.settings;
  let last = '';
  /** Reads the job and sends what changed; false once there is nothing more to follow. */
  const read = async (): Promise<boolean> => {
    const job = await backend.getJob(c.session.tenant, id).catch(() => null);
    if (!job || signal.aborted) return false;
    const snap: Snapshot = { id, state: job.state, status: job.status, progressPct: job.progressPct };
    const text = JSON.stringify(snap);
    if (text !== last) {
      last = text;
      send(snap);
    }
    return !isTerminal(job.state);
  };
  if (!(await read())) return;
  if (backend.jobEvents) {
    let fed = false;
    for await (const _change of backend.jobEvents(c.session.tenant, id, signal)) {
      fed = true;
      if (!(await read())) return;
    }
    if (fed || signal.aborted) return;
  }
  while (!signal.aborted && (await read())) await sleep(liveIntervalMs, signal);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
