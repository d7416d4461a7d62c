/**
 * The console's HTTP layer against an in-memory backend (no Temporal): sessions, CSRF, CSP, escaping, isolation.
 * The browser suite (test/browser) covers the same paths end to end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsoleBackend, ConsoleJob, TenantId } from '../../../src/console/backend';
import { AnswerTimeoutError, withinDeadline } from '../../../src/console/deadline';
import { createConsoleHandler, type ConsoleOptions } from '../../../src/console/router';
import { StaticTenantKeys } from '../../../src/console/tenancy';
import { parseIntent } from '../../../src/mj';
import { intentDisplayName } from '../../../src/mj/intents';
import { intentNeeds } from '../../../src/pipeline/intents';
import { eventually } from '../../helpers/eventually';

const KEY = 'acme-key-0123456789abcdef';
const OTHER = 'globex-key-0123456789abcd';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';

function job(id: string, prompt: string): ConsoleJob {
  return {
    id,
    kind: 'job',
    state: 'succeeded',
    title: prompt,
    label: 'Imagine',
    prompt,
    progressPct: 100,
    submitTime: 1,
    images: [],
    buttons: [],
  };
}

class FakeBackend implements ConsoleBackend {
  readonly jobs: Record<TenantId, ConsoleJob[]> = {
    acme: [job('mj-job-a1', XSS), { ...job('mj-job-run', 'still running'), state: 'running', progressPct: 10 }],
    globex: [],
  };
  started: string[] = [];
  private keys = new StaticTenantKeys({ acme: KEY, globex: OTHER });
  authenticate = (k: string) => this.keys.authenticate(k);
  listJobs = async (t: TenantId) => this.jobs[t] ?? [];
  getJob = async (t: TenantId, id: string) => (this.jobs[t] ?? []).find((j) => j.id === id) ?? null;
  getPipeline = async () => null;
  getBatch = async () => null;
  image = async () => null;
  imagine = async (t: TenantId, r: { prompt: string }) => {
    this.started.push(`${t}:${r.prompt}`);
    return 'mj-job-new';
  };
  action = async () => 'mj-job-x';
  answered: string[] = [];
  /** What `answer` does: by default it records the target; a test may make it time out. */
  answerWith: (targetId: string) => Promise<void> = async (id) => void this.answered.push(id);
  answer = async (_t: TenantId, target: { targetId: string }) => this.answerWith(target.targetId);
  pipeline = async () => 'mj-pipeline-x';
  batch = async () => 'mj-batch-x';
  inbox = async () => [];
  jobOfTask = async () => null;
  temporalUiUrl = () => undefined;
}

let backend: FakeBackend;

/** A console on a loopback server; `url` is its mount. */
async function serve(opts: Partial<ConsoleOptions> = {}): Promise<{ url: string; close(): Promise<void> }> {
  const handler = createConsoleHandler({ backend, keyRecheckMs: 0, ...opts });
  const server: Server = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/console`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

let main: Awaited<ReturnType<typeof serve>>;
let base: string;

beforeAll(async () => {
  backend = new FakeBackend();
  main = await serve();
  base = main.url;
});

afterAll(() => main.close());

function sessionCookieOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .find((c) => c.includes('mjc_session='))!
    .split(';')[0]!;
}

async function signIn(key: string, at = base): Promise<{ cookie: string; csrf: string }> {
  const page = await fetch(`${at}/sign-in`);
  const pre = page.headers.getSetCookie()[0]!.split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${at}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, apiKey: key }),
  });
  expect(res.status).toBe(303);
  const cookie = sessionCookieOf(res);
  const start = await (await fetch(`${at}/start`, { headers: { cookie } })).text();
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(start)![1]! };
}

test('paths outside the mount are not handled', async () => {
  expect((await fetch(base.replace('/console', '/mj/task/list'))).status).toBe(418);
});

test('signed out: pages redirect to sign-in, posts are refused', async () => {
  const page = await fetch(`${base}/jobs`, { redirect: 'manual' });
  expect(page.status).toBe(303);
  expect(page.headers.get('location')).toMatch(/\/console\/sign-in/);
  const post = await fetch(`${base}/start/imagine`, { method: 'POST', body: new URLSearchParams({ prompt: 'x' }) });
  expect(post.status).toBe(403);
});

test('sign-in without the pre-session token is refused; a wrong key is 401', async () => {
  const res = await fetch(`${base}/sign-in`, { method: 'POST', body: new URLSearchParams({ apiKey: KEY }) });
  expect(res.status).toBe(403);
  const page = await fetch(`${base}/sign-in`);
  const pre = page.headers.getSetCookie()[0]!.split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const wrong = await fetch(`${base}/sign-in`, {
    method: 'POST',
    headers: { cookie: pre },
    body: new URLSearchParams({ _csrf: token, apiKey: 'nope-nope-nope-nope' }),
  });
  expect(wrong.status).toBe(401);
});

test('pages carry a strict CSP, escape what users wrote and never contain the key', async () => {
  const { cookie } = await signIn(KEY);
  const res = await fetch(`${base}/jobs`, { headers: { cookie } });
  const body = await res.text();
  expect(res.headers.get('content-security-policy')).toBe(
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
  );
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(body).not.toContain('<script>alert');
  expect(body).not.toContain(KEY);
  expect(body).not.toMatch(/<script(?![^>]*\bsrc="\/console\/static\/)/);
  expect(body).not.toMatch(/<[a-z][^>]*\s(on\w+|style)=/i);
});

test('a post needs the session’s CSRF token', async () => {
  const { cookie, csrf } = await signIn(KEY);
  const post = (token?: string) =>
    fetch(`${base}/start/imagine`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie },
      body: new URLSearchParams({ prompt: 'a fox', ...(token ? { _csrf: token } : {}) }),
    });
  expect((await post()).status).toBe(403);
  expect((await post('forged-token-value')).status).toBe(403);
  expect(backend.started).toEqual([]);
  const ok = await post(csrf);
  expect(ok.status).toBe(303);
  expect(ok.headers.get('location')).toBe('/console/jobs/mj-job-new');
  expect(backend.started).toEqual(['acme:a fox']);
});

test('the start form shows a parameter refusal on the form and flags a prompt with warnings', async () => {
  const { cookie, csrf } = await signIn(KEY);
  const post = (prompt: string) =>
    fetch(`${base}/start/imagine`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, prompt }),
    });
  const refused = await post('a refused fox --oref https://example.com/o.png --v 6.1');
  expect(refused.status).toBe(400);
  const page = await refused.text();
  expect(page).toContain('--oref works only with V7 (not V6.1)');
  expect(page).toContain('oref-version');
  expect(backend.started).not.toContain('acme:a refused fox --oref https://example.com/o.png --v 6.1');
  const warned = await post('a vibing fox --vibe 2');
  expect(warned.status).toBe(303);
  expect(warned.headers.get('location')).toBe('/console/jobs/mj-job-new?flash=prompt-warnings');
});

test('the start form offers the current versions of src/mj/params and keeps a model the prompt names', async () => {
  const { cookie, csrf } = await signIn(KEY);
  const page = await (await fetch(`${base}/start`, { headers: { cookie } })).text();
  const select = /<select name="version">([\s\S]*?)<\/select>/.exec(page)![1]!;
  const offered = [...select.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
  expect(offered).toEqual(['', '--v 8.2', '--v 8.1', '--v 8', '--v 7', '--v 6.1', '--niji 7', '--niji 6']);
  const post = (prompt: string, version: string) =>
    fetch(`${base}/start/imagine`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, prompt, version }),
    });
  expect((await post('a versioned fox', '--v 8.1')).status).toBe(303);
  expect((await post('a niji fox', '--niji 7')).status).toBe(303);
  expect((await post('a fox of its own --niji 6', '--v 8.1')).status).toBe(303);
  expect((await post('a fox of its own version --version 6.1', '--niji 7')).status).toBe(303);
  expect((await post('a forged fox', '--v 99')).status).toBe(303);
  expect(backend.started).toEqual(
    expect.arrayContaining([
      'acme:a versioned fox --v 8.1',
      'acme:a niji fox --niji 7',
      'acme:a fox of its own --niji 6',
      'acme:a fox of its own version --version 6.1',
      'acme:a forged fox',
    ])
  );
});

test('another tenant’s job reads exactly like one that does not exist', async () => {
  const { cookie } = await signIn(OTHER);
  const theirs = await fetch(`${base}/jobs/mj-job-a1`, { headers: { cookie } });
  const none = await fetch(`${base}/jobs/mj-job-zz`, { headers: { cookie } });
  expect(theirs.status).toBe(404);
  expect(none.status).toBe(404);
  expect(await theirs.text()).toBe(await none.text());
});

test('a forged session cookie is no session', async () => {
  const res = await fetch(`${base}/jobs`, {
    redirect: 'manual',
    headers: { cookie: 'mjc_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  });
  expect(res.status).toBe(303);
});

test('bad input re-renders the form with the error naming the field', async () => {
  const { cookie, csrf } = await signIn(KEY);
  const res = await fetch(`${base}/start/pipeline`, {
    method: 'POST',
    headers: { cookie },
    body: new URLSearchParams({ _csrf: csrf, pipeline: '' }),
  });
  expect(res.status).toBe(400);
  expect(await res.text()).toContain('pipeline must be given as an example, a file or JSON');
});

test('an answer that is not confirmed in time gets a clear 504 page, not a hang', async () => {
  const { cookie, csrf } = await signIn(KEY);
  const post = () =>
    fetch(`${base}/answer`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, target: 'mj-job-a1', prompt: 'a hat' }),
    });
  const ok = await post();
  expect(ok.status).toBe(303);
  expect(backend.answered).toEqual(['mj-job-a1']);
  // The real backend bounds the update with `withinDeadline`; a call that never settles ends as the typed timeout.
  backend.answerWith = () => withinDeadline({ withDeadline: (_d, fn) => fn() }, 100, () => new Promise(() => {}));
  try {
    const started = Date.now();
    const res = await post();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(504);
    const body = await res.text();
    expect(body).toContain('Answer not confirmed');
    expect(body).toContain('was not confirmed within 0 s');
    expect(body).toContain('check the job before answering again');
  } finally {
    backend.answerWith = async (id) => void backend.answered.push(id);
  }
});

test('withinDeadline passes results and early errors; past the bound it is AnswerTimeoutError', async () => {
  const client = { withDeadline: <R>(_d: number | Date, fn: () => Promise<R>) => fn() };
  await expect(withinDeadline(client, 1000, async () => 7)).resolves.toBe(7);
  await expect(withinDeadline(client, 1000, () => Promise.reject(new RangeError('bad')))).rejects.toThrow(RangeError);
  const slow = withinDeadline(client, 50, () => new Promise<number>(() => {}));
  await expect(slow).rejects.toBeInstanceOf(AnswerTimeoutError);
  await expect(slow).rejects.toMatchObject({ code: 'ConsoleAnswerTimeout', timeoutMs: 50 });
  // A gRPC deadline that fires at the bound reads as the same timeout.
  const late = withinDeadline(
    client,
    60,
    () => new Promise<number>((_, r) => setTimeout(() => r(new Error('DEADLINE_EXCEEDED')), 60))
  );
  await expect(late).rejects.toBeInstanceOf(AnswerTimeoutError);
});

test('the start page has no duplicate element ids (two forms have a mode)', async () => {
  const { cookie } = await signIn(KEY);
  const body = await (await fetch(`${base}/start`, { headers: { cookie } })).text();
  const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  expect(ids.length).toBeGreaterThan(0);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
});

describe('sessions', () => {
  test('plain HTTP: cookies at the mount path; HTTPS: __Host- cookies at / with Secure', async () => {
    const plain = await fetch(`${base}/sign-in`);
    expect(plain.headers.getSetCookie()[0]).toMatch(/^mjc_pre=[\w-]+; Path=\/console; HttpOnly; SameSite=Strict;/);
    const https = await serve({ secureCookies: true });
    try {
      const page = await fetch(`${https.url}/sign-in`);
      expect(page.headers.getSetCookie()[0]).toMatch(/^__Host-mjc_pre=[\w-]+; Path=\/; .*; Secure$/);
      const { cookie } = await signIn(KEY, https.url);
      expect(cookie).toMatch(/^__Host-mjc_session=/);
      // The plain name is not read when the console is served over HTTPS.
      const plainName = await fetch(`${https.url}/jobs`, {
        redirect: 'manual',
        headers: { cookie: cookie.replace('__Host-', '') },
      });
      expect(plainName.status).toBe(303);
    } finally {
      await https.close();
    }
  });

  test('a signed-in post from another origin is refused even with the session’s token', async () => {
    const { cookie, csrf } = await signIn(KEY);
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/start/imagine`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, ...headers },
        body: new URLSearchParams({ _csrf: csrf, prompt: 'cross-site fox' }),
      });
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ origin: 'http://evil.example' })).status).toBe(403);
    expect(backend.started).not.toContain('acme:cross-site fox');
    expect((await post({ 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  test('sign-out ends the session on the server: the copied cookie is refused', async () => {
    const { cookie, csrf } = await signIn(KEY);
    const out = await fetch(`${base}/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(out.status).toBe(303);
    const copied = await fetch(`${base}/jobs`, { redirect: 'manual', headers: { cookie } });
    expect(copied.status).toBe(303);
    expect(copied.headers.get('location')).toMatch(/\/console\/sign-in/);
  });

  test('per-session rate limit: 429 with Retry-After past the burst; another session is unaffected', async () => {
    // A refill of one request per 1000 s: the bucket does not refill within the test.
    const limited = await serve({ sessionRate: { perSecond: 0.001, burst: 3 } });
    try {
      const { cookie } = await signIn(KEY, limited.url); // its /start read takes the first token
      for (let i = 0; i < 2; i++)
        expect((await fetch(`${limited.url}/jobs`, { headers: { cookie } })).status).toBe(200);
      const refused = await fetch(`${limited.url}/jobs`, { headers: { cookie } });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const other = await signIn(KEY, limited.url);
      expect((await fetch(`${limited.url}/jobs`, { headers: { cookie: other.cookie } })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  test('live event streams are capped per session; a closed one frees its place', async () => {
    const live = await serve({ maxStreamsPerSession: 2, liveIntervalMs: 20 });
    const aborts: AbortController[] = [];
    const open = async (cookie: string) => {
      const ac = new AbortController();
      aborts.push(ac);
      return fetch(`${live.url}/events?ids=mj-job-run`, { headers: { cookie }, signal: ac.signal });
    };
    try {
      const { cookie } = await signIn(KEY, live.url);
      expect((await open(cookie)).status).toBe(200);
      expect((await open(cookie)).status).toBe(200);
      const third = await open(cookie);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('5');
      // Another session has its own places.
      const other = await signIn(KEY, live.url);
      expect((await open(other.cookie)).status).toBe(200);
      aborts[0]!.abort();
      await eventually(async () => {
        const r = await open(cookie);
        if (r.status === 200) return true;
        await r.text();
        return undefined;
      }, 'a stream place freed by the closed stream');
    } finally {
      for (const ac of aborts) ac.abort();
      await live.close();
    }
  });
});

test('Animate with a prompt waits on an answer page that asks for the prompt only', async () => {
  const waiting: ConsoleJob = {
    ...job('mj-job-anim', 'a quiet harbour --v 7'),
    state: 'waiting',
    intent: 'animate-prompt high',
    // What the job reports while it waits: the catalogue's needs for the intent.
    waitingFor: { needs: intentNeeds(parseIntent('animate-prompt high')), intent: 'animate-prompt high', since: 2 },
  };
  backend.jobs.acme!.push(waiting);
  try {
    const { cookie } = await signIn(KEY);
    const res = await fetch(`${base}/answer?target=mj-job-anim`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain(intentDisplayName(parseIntent('animate-prompt high')));
    expect(body).toMatch(/<textarea name="prompt"[^>]*>a quiet harbour --v 7<\/textarea>/);
    expect(body).not.toContain('maskFile');
    expect(body).not.toContain('data-needs-mask');
  } finally {
    backend.jobs.acme = backend.jobs.acme!.filter((j) => j.id !== 'mj-job-anim');
  }
});
