/**
 * The activities with several upstreams against two mocked proxies (undici MockAgent) and fakes of the
 * pool (UpstreamRouter), the worker's UpstreamSet and the ledger: what each submit answer tells the pool, what the
 * workflow gets back, and that every call on a task goes to its owner.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { MockAgent } from 'undici';
import {
  createActivities,
  type FetchedTask,
  type SubmitTaskInput,
  type SubmitTaskResult,
} from '../../../src/activities';
import type { AssetStore } from '../../../src/assets';
import { MjClient } from '../../../src/mj';
import { ACTIVITY_FAILURE, MJ_ERROR_CODE } from '../../../src/shared/failure-types';
import type {
  BudgetHold,
  BudgetVerdict,
  Charge,
  LedgerRecorder,
  ReserveRequest,
  RouteDecision,
  SubmitReport,
  UpstreamRouter,
  UpstreamSet,
  UpstreamView,
} from '../../../src/shared/upstreams/types';

const ORIGINS = { a: 'http://a.test', b: 'http://b.test' } as const;
const STATE = 'mjt1|job-1|0';

let agent: MockAgent;
let env: MockActivityEnvironment;

class FakeRouter implements UpstreamRouter {
  readonly reserved: ReserveRequest[] = [];
  readonly reports: { requestId: string; upstreamId: string; report: SubmitReport }[] = [];
  readonly released: string[] = [];
  constructor(private readonly decide: (r: ReserveRequest) => RouteDecision) {}
  async reserve(req: ReserveRequest): Promise<RouteDecision> {
    this.reserved.push(req);
    return this.decide(req);
  }
  async report(requestId: string, upstreamId: string, report: SubmitReport): Promise<void> {
    this.reports.push({ requestId, upstreamId, report });
  }
  async release(requestId: string, upstreamId: string): Promise<void> {
    this.released.push(`${upstreamId}:${requestId}`);
  }
}

/** A ledger answering one verdict; `{ ok: true, budgeted: true }` stands for tags a budget applies to. */
class FakeLedger implements LedgerRecorder {
  readonly charges: Charge[] = [];
  readonly refunds: string[] = [];
  /** Holds taken (a hold only happens when the verdict is ok and budgeted, as in the real ledger). */
  readonly holds: BudgetHold[] = [];
  readonly releasedHolds: string[] = [];
  constructor(private readonly verdict: BudgetVerdict = { ok: true }) {}
  async authorize(): Promise<BudgetVerdict> {
    return this.verdict;
  }
  async hold(h: BudgetHold): Promise<BudgetVerdict> {
    if (this.verdict.ok && this.verdict.budgeted) this.holds.push(h);
    return this.verdict;
  }
  async releaseHold(key: string): Promise<void> {
    this.releasedHolds.push(key);
  }
  async charge(c: Charge): Promise<void> {
    this.charges.push(c);
  }
  async refund(r: { key: string }): Promise<void> {
    this.refunds.push(r.key);
  }
}

function view(id: string): UpstreamView {
  return {
    id,
    flavour: 'trueai',
    priority: 0,
    weight: 1,
    features: [],
    modes: { FAST: { concurrency: 3 } },
    prices: { currency: 'USD', default: { FAST: id === 'a' ? 0.05 : 0.03 } },
  };
}

function upstreamSet(): UpstreamSet {
  const clients = new Map(
    Object.entries(ORIGINS).map(([id, baseUrl]) => [
      id,
      new MjClient({ baseUrl, flavour: 'trueai', dispatcher: agent }),
    ])
  );
  return {
    ids: () => [...clients.keys()],
    client: (id) => clients.get(id)!,
    notifyHookUrl: (id) => `https://hooks.example.com/webhook/mj/token-of-${id}-0123456789`,
    views: () => Object.keys(ORIGINS).map(view),
    routing: () => ({ rule: 'least-loaded', modePreference: ['FAST'] }),
  };
}

const routedTo = (upstreamId: string): RouteDecision => ({
  kind: 'routed',
  upstreamId,
  mode: 'FAST',
  price: 0.05,
  currency: 'USD',
});

function acts(router: FakeRouter, ledger?: FakeLedger) {
  const legacy = new MjClient({ baseUrl: 'http://legacy.test', flavour: 'trueai', dispatcher: agent });
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined };
  return createActivities({
    mj: legacy,
    store: {} as AssetStore,
    log: quiet,
    upstreams: upstreamSet(),
    router,
    ledger,
  });
}

const bodies: Record<string, unknown>[] = [];
function mock(origin: string, path: string, status: number, reply: unknown) {
  agent
    .get(origin)
    .intercept({
      method: path.includes('fetch') || path.endsWith('/task/list') ? 'GET' : 'POST',
      path,
      body: (b: string) => {
        if (b) bodies.push(JSON.parse(b) as Record<string, unknown>);
        return true;
      },
    })
    .reply(status, reply as object, { headers: { 'content-type': 'application/json' } });
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const input: SubmitTaskInput = {
  request: { kind: 'imagine', prompt: 'a fox' },
  mode: 'FAST',
  stateKey: STATE,
  costTags: { tenant: 'acme' },
};

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  bodies.length = 0;
  env = new MockActivityEnvironment(
    { activityId: '7', workflowExecution: { workflowId: 'job-1', runId: 'abcdef0123' } },
    { logger: new DefaultLogger('ERROR', () => undefined) }
  );
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

describe('routed submitTask', () => {
  it('reserves, submits to the chosen upstream with its own hook, reports acceptance and charges it', async () => {
    const router = new FakeRouter(() => routedTo('b'));
    const ledger = new FakeLedger();
    mock(ORIGINS.b, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok', result: 'T1' });
    const result = await env.run(acts(router, ledger).submitTask, input);
    expect(result).toMatchObject({ kind: 'accepted', taskId: 'T1', route: { upstreamId: 'b', mode: 'FAST' } });
    expect(router.reserved[0]).toMatchObject({
      requestId: `${STATE}#abcdef01.7`,
      workflowId: 'job-1',
      action: 'IMAGINE',
      modes: ['FAST'],
    });
    expect(bodies[0]).toMatchObject({ state: STATE, notifyHook: expect.stringContaining('token-of-b') });
    expect(router.reports).toEqual([
      { requestId: `${STATE}#abcdef01.7`, upstreamId: 'b', report: { kind: 'accepted', taskId: 'T1' } },
    ]);
    expect(ledger.charges).toEqual([
      expect.objectContaining({
        key: STATE,
        jobId: 'job-1',
        upstreamId: 'b',
        upstreamTaskId: 'T1',
        price: 0.05,
        tenant: 'acme',
      }),
    ]);
  });

  it.each([
    [{ code: 23, description: '队列已满，请稍后尝试' }, 200, 'queue-full'],
    [{ code: 3, description: '无可用的账号实例' }, 200, 'no-instance'],
    [{ code: 30, description: 'rate limited' }, 429, 'rate-limited'],
  ])('reports %j as a failover and tells the job it may go elsewhere', async (reply, status, reason) => {
    const router = new FakeRouter(() => routedTo('a'));
    const ledger = new FakeLedger();
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', status, reply);
    const f = await failureOf(env.run(acts(router, ledger).submitTask, input));
    expect(f.details?.[0]).toMatchObject({ upstreamId: 'a', failover: true });
    expect(router.reports[0].report).toMatchObject({ kind: 'failover', reason });
    expect(ledger.charges).toEqual([]);
  });

  it('reports an auth refusal as disable, with failover for the job', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', 401, { error: 'unauthorized' });
    const f = await failureOf(env.run(acts(router).submitTask, input));
    expect(router.reports[0].report).toMatchObject({ kind: 'disable', reason: 'auth' });
    expect(f.details?.[0]).toMatchObject({ code: MJ_ERROR_CODE.auth, upstreamId: 'a', failover: true });
    expect(f.message).not.toContain('token-of-a');
  });

  it.each([
    [401, '账号已禁用'],
    [403, '账号不可用'],
  ])('reports a %i "%s" (banned or suspended account) as disable with reason banned-account', async (status, text) => {
    const router = new FakeRouter(() => routedTo('a'));
    agent
      .get(ORIGINS.a)
      .intercept({ method: 'POST', path: '/mj-fast/mj/submit/imagine' })
      .reply(status, text, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    const f = await failureOf(env.run(acts(router).submitTask, input));
    expect(router.reports[0].report).toMatchObject({ kind: 'disable', reason: 'banned-account' });
    expect(f.details?.[0]).toMatchObject({ code: MJ_ERROR_CODE.auth, upstreamId: 'a', failover: true });
  });

  it('reports a banned prompt as a job error (never against the upstream)', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', 200, { code: 24, description: '可能包含敏感词', properties: {} });
    const f = await failureOf(env.run(acts(router).submitTask, input));
    expect(router.reports[0].report).toEqual({ kind: 'job-error' });
    expect(f.details?.[0]).toMatchObject({ code: MJ_ERROR_CODE.bannedPrompt, upstreamId: 'a' });
    expect(f.details?.[0]).not.toHaveProperty('failover');
  });

  it('reports an answer it could not read as unknown and hands the job the route to reconcile with', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok' });
    const f = await failureOf(env.run(acts(router).submitTask, input));
    expect(router.reports[0].report).toEqual({ kind: 'unknown' });
    expect(f.details?.[0]).toMatchObject({
      outcomeUnknown: true,
      route: { upstreamId: 'a', requestId: `${STATE}#abcdef01.7` },
    });
  });

  it('still hands the job an unknown outcome (to reconcile) when the pool cannot be told', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    router.report = () => Promise.reject(new Error('pool unreachable'));
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok' });
    const f = await failureOf(env.run(acts(router).submitTask, input));
    expect(f.details?.[0]).toMatchObject({ outcomeUnknown: true, route: { upstreamId: 'a' } });
  });

  it('answers UpstreamsBusy for a wait and NoUpstream for none, sending nothing', async () => {
    const busyRouter = new FakeRouter(() => ({
      kind: 'wait',
      untilMs: Date.now() + 30_000,
      reason: 'queue-full',
      upstreamId: 'a',
    }));
    const busy = await failureOf(env.run(acts(busyRouter).submitTask, input));
    expect(busy.type).toBe(ACTIVITY_FAILURE.upstreamsBusy);
    expect(busy.details?.[0]).toMatchObject({ reason: 'queue-full', upstreamId: 'a' });
    expect((busy.details?.[0] as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(25_000);
    const noneRouter = new FakeRouter(() => ({ kind: 'none', rule: 'feature', reason: 'nobody offers video' }));
    const none = await failureOf(env.run(acts(noneRouter).submitTask, input));
    expect(none.type).toBe(ACTIVITY_FAILURE.noUpstream);
    expect(none.details?.[0]).toMatchObject({ field: 'upstream', rule: 'feature' });
  });

  it('refuses over budget before sending anything and gives the reservation back', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    const verdict: BudgetVerdict = {
      ok: false,
      budget: 'tenant:acme',
      limit: 1,
      spent: 0.99,
      price: 0.05,
      currency: 'USD',
      onExceed: 'refuse',
    };
    const f = await failureOf(env.run(acts(router, new FakeLedger(verdict)).submitTask, input));
    expect(f.type).toBe(ACTIVITY_FAILURE.budgetExceeded);
    expect(f.details?.[0]).toMatchObject({ field: 'budget', rule: 'limit', budget: 'tenant:acme', onExceed: 'refuse' });
    expect(router.released).toEqual([`a:${STATE}#abcdef01.7`]);
    expect(router.reports).toEqual([]);
  });

  it('asks the pool for its own mode preference when the job named none (modes: []), else for [mode]', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok', result: 'T1' });
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok', result: 'T2' });
    await env.run(acts(router).submitTask, { ...input, modes: [] });
    await env.run(acts(router).submitTask, { ...input, mode: 'FAST' as const });
    expect(router.reserved.map((r) => r.modes)).toEqual([[], ['FAST']]);
  });

  it('passes the pin of a follow-up and its exclusions to the pool', async () => {
    const router = new FakeRouter(() => ({
      kind: 'wait',
      untilMs: Date.now() + 1000,
      reason: 'connection',
      upstreamId: 'b',
    }));
    const action: SubmitTaskInput = {
      ...input,
      request: { kind: 'action', parentTaskId: 'P', intent: { kind: 'upscale', index: 1 }, upstreamId: 'b' },
      exclude: ['a'],
    };
    await failureOf(env.run(acts(router).submitTask, action));
    expect(router.reserved[0]).toMatchObject({ pin: 'b', exclude: ['a'], action: 'UPSCALE' });
  });
});

describe('routed submitTask: budget holds', () => {
  const budgeted = (): FakeLedger => new FakeLedger({ ok: true, budgeted: true });

  it('holds the price under the state key before sending, and the acceptance charges that key', async () => {
    const router = new FakeRouter(() => routedTo('b'));
    const ledger = budgeted();
    mock(ORIGINS.b, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok', result: 'T1' });
    await env.run(acts(router, ledger).submitTask, input);
    expect(ledger.holds).toEqual([
      expect.objectContaining({ key: STATE, jobId: 'job-1', upstreamId: 'b', price: 0.05, tenant: 'acme' }),
    ]);
    expect(ledger.holds[0]).not.toHaveProperty('upstreamTaskId');
    expect(ledger.charges.map((c) => c.key)).toEqual([STATE]);
    expect(ledger.releasedHolds).toEqual([]);
  });

  it.each([
    ['a failover (23)', 200, { code: 23, description: '队列已满，请稍后尝试' }],
    ['a job error (banned prompt)', 200, { code: 24, description: '可能包含敏感词', properties: {} }],
    ['an auth refusal', 401, { error: 'unauthorized' }],
  ])('releases the hold after %s: the submit is known not accepted', async (_what, status, reply) => {
    const router = new FakeRouter(() => routedTo('a'));
    const ledger = budgeted();
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', status, reply);
    await failureOf(env.run(acts(router, ledger).submitTask, input));
    expect(ledger.holds).toHaveLength(1);
    expect(ledger.releasedHolds).toEqual([STATE]);
    expect(ledger.charges).toEqual([]);
  });

  it('keeps the hold after an unknown outcome (the reconcile charges it or releases it once proven absent)', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    const ledger = budgeted();
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok' });
    const f = await failureOf(env.run(acts(router, ledger).submitTask, input));
    expect(f.details?.[0]).toMatchObject({ outcomeUnknown: true });
    expect(ledger.holds).toHaveLength(1);
    expect(ledger.releasedHolds).toEqual([]);

    const route = f.details?.[0] as { route: SubmitTaskResult['route'] };
    mock(ORIGINS.a, '/mj/task/list-by-condition', 200, []);
    mock(ORIGINS.a, '/mj/task/list', 200, []);
    const a = acts(router, ledger);
    const lookup = { stateKey: STATE, taskIdHint: 'T8', upstreamId: 'a', route: route.route };
    expect(await env.run(a.findTaskByState, lookup)).toBeNull();
    expect(ledger.releasedHolds).toEqual([STATE]);
  });

  it('takes no hold and releases none when no budget applies to the tags', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    const ledger = new FakeLedger({ ok: true });
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', 200, { code: 23, description: '队列已满，请稍后尝试' });
    await failureOf(env.run(acts(router, ledger).submitTask, input));
    expect(ledger.holds).toEqual([]);
    expect(ledger.releasedHolds).toEqual([]);
  });

  it('a released hold that the ledger cannot take back does not hide what the submit did', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    const ledger = budgeted();
    ledger.releaseHold = () => Promise.reject(new Error('ledger unreachable'));
    mock(ORIGINS.a, '/mj-fast/mj/submit/imagine', 200, { code: 23, description: '队列已满，请稍后尝试' });
    const f = await failureOf(env.run(acts(router, ledger).submitTask, input));
    expect(f.details?.[0]).toMatchObject({ upstreamId: 'a', failover: true });
  });
});

describe('routed calls on a task', () => {
  it('fetches from the owner and frees its slot once terminal; refunds a gateway timeout', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    const ledger = new FakeLedger();
    mock(ORIGINS.b, '/mj/task/T1/fetch', 200, { id: 'T1', status: 'IN_PROGRESS', progress: '10%', action: 'IMAGINE' });
    mock(ORIGINS.b, '/mj/task/T1/fetch', 200, {
      id: 'T1',
      status: 'FAILURE',
      action: 'IMAGINE',
      failReason: '上游任务超时',
    });
    const a = acts(router, ledger);
    const fetch = { taskId: 'T1', upstreamId: 'b', requestId: 'r1', stateKey: STATE };
    await env.run(a.fetchTask, fetch);
    expect(router.released).toEqual([]);
    const done = (await env.run(a.fetchTask, fetch)) as FetchedTask;
    expect(done.status).toBe('FAILURE');
    expect(router.released).toEqual(['b:r1']);
    expect(done.failKind).toBe('gateway-timeout');
    expect(ledger.refunds).toEqual([STATE]);
  });

  it('fails NoUpstream (non-retryable) for an owner this worker does not know', async () => {
    const f = await failureOf(
      env.run(acts(new FakeRouter(() => routedTo('a'))).fetchTask, { taskId: 'T1', upstreamId: 'zz' })
    );
    expect(f.type).toBe(ACTIVITY_FAILURE.noUpstream);
    expect(f.nonRetryable).toBe(true);
  });

  it('reconciles on the same upstream: a hit is reported accepted and charged, a miss gives the slot back', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    const ledger = new FakeLedger();
    const route = {
      requestId: 'r2',
      upstreamId: 'a',
      mode: 'FAST',
      action: 'IMAGINE',
      price: 0.05,
      currency: 'USD',
    } as const;
    mock(ORIGINS.a, '/mj/task/list-by-condition', 200, [
      { id: 'T7', status: 'SUBMITTED', action: 'IMAGINE', state: STATE },
    ]);
    const a = acts(router, ledger);
    const found = await env.run(a.findTaskByState, { stateKey: STATE, taskIdHint: 'T7', upstreamId: 'a', route });
    expect(found).toMatchObject({ id: 'T7', route: { upstreamId: 'a' } });
    expect(router.reports).toEqual([{ requestId: 'r2', upstreamId: 'a', report: { kind: 'accepted', taskId: 'T7' } }]);
    expect(ledger.charges).toHaveLength(1);

    mock(ORIGINS.a, '/mj/task/list-by-condition', 200, []);
    mock(ORIGINS.a, '/mj/task/list', 200, []);
    const missing = await env.run(a.findTaskByState, { stateKey: STATE, taskIdHint: 'T8', upstreamId: 'a', route });
    expect(missing).toBeNull();
    expect(router.released).toEqual(['a:r2']);
  });
});

describe('settling an accepted routed task durably', () => {
  it('names the parts it could not do (pool, ledger) instead of failing, and settleRoutedSubmit does them', async () => {
    const router = new FakeRouter(() => routedTo('b'));
    const ledger = new FakeLedger();
    const report = router.report.bind(router);
    const charge = ledger.charge.bind(ledger);
    router.report = () => Promise.reject(new Error('pool unreachable'));
    ledger.charge = () => Promise.reject(new Error('ledger unreachable'));
    mock(ORIGINS.b, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok', result: 'T1' });
    const a = acts(router, ledger);
    const result = (await env.run(a.submitTask, input)) as SubmitTaskResult;
    expect(result).toMatchObject({ taskId: 'T1', unsettled: ['pool', 'ledger'] });

    // Still down: the activity fails, so Temporal retries it.
    const settleInput = {
      route: result.route!,
      taskId: 'T1',
      stateKey: STATE,
      costTags: input.costTags,
      parts: result.unsettled,
    };
    await failureOf(env.run(a.settleRoutedSubmit, settleInput));
    router.report = report;
    ledger.charge = charge;
    await env.run(a.settleRoutedSubmit, settleInput);
    expect(router.reports).toEqual([
      { requestId: `${STATE}#abcdef01.7`, upstreamId: 'b', report: { kind: 'accepted', taskId: 'T1' } },
    ]);
    expect(ledger.charges).toEqual([
      expect.objectContaining({ key: STATE, jobId: 'job-1', upstreamId: 'b', upstreamTaskId: 'T1', tenant: 'acme' }),
    ]);
  });

  it('names only the part that failed, and nothing when everything was done', async () => {
    const router = new FakeRouter(() => routedTo('b'));
    const ledger = new FakeLedger();
    ledger.charge = () => Promise.reject(new Error('ledger unreachable'));
    mock(ORIGINS.b, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok', result: 'T1' });
    const a = acts(router, ledger);
    expect(((await env.run(a.submitTask, input)) as SubmitTaskResult).unsettled).toEqual(['ledger']);
    mock(ORIGINS.b, '/mj-fast/mj/submit/imagine', 200, { code: 1, description: 'ok', result: 'T2' });
    expect(await env.run(acts(router, new FakeLedger()).submitTask, input)).not.toHaveProperty('unsettled');
  });

  it('counts and charges a task found by searching every upstream (its attempt id lost with its worker)', async () => {
    const router = new FakeRouter(() => routedTo('a'));
    const ledger = new FakeLedger();
    ledger.charge = () => Promise.reject(new Error('ledger unreachable'));
    mock(ORIGINS.a, '/mj/task/list', 200, []);
    mock(ORIGINS.b, '/mj/task/list', 200, [
      { id: 'T9', status: 'SUBMITTED', action: 'IMAGINE', mode: 'FAST', state: STATE },
    ]);
    const found = await env.run(acts(router, ledger).findTaskByState, {
      stateKey: STATE,
      costTags: { tenant: 'acme' },
    });
    expect(found).toMatchObject({
      id: 'T9',
      route: { upstreamId: 'b', requestId: `${STATE}#`, price: 0.03 },
      unsettled: ['ledger'],
    });
    // The pool resolves `<stateKey>#` to the step's live reservation on b (see upstream-book.test.ts).
    expect(router.reports).toEqual([
      { requestId: `${STATE}#`, upstreamId: 'b', report: { kind: 'accepted', taskId: 'T9' } },
    ]);
  });
});
