/** The pool's state class: reservations, reports, cooldowns, day rollover, operator switches, carry. */
import type { ReserveRequest, UpstreamView } from '../../../src/shared/upstreams/types';
import { cooldownMs, COOLDOWN_BACKOFF, UpstreamBook } from '../../../src/workflows/upstreams/upstream-book';
import type { UpstreamPoolConfig } from '../../../src/workflows/upstreams/messages';
import { upstreamView } from './fixtures';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const DAY_MS = 86_400_000;

const view = (id: string, extra: Partial<UpstreamView> = {}): UpstreamView =>
  upstreamView(id, { modes: { FAST: { concurrency: 2, dailyCap: 3 }, RELAX: { concurrency: 1 } }, ...extra });
const config = (views = [view('a'), view('b', { priority: 1 })]): UpstreamPoolConfig => ({
  version: 'v1',
  views,
  routing: { rule: 'least-loaded', modePreference: ['FAST', 'RELAX'] },
});
const req = (requestId: string, extra: Partial<ReserveRequest> = {}): ReserveRequest => ({
  requestId,
  workflowId: `wf-${requestId}`,
  action: 'IMAGINE',
  features: [],
  modes: [],
  ...extra,
});
const health = (book: UpstreamBook, id: string, now = T0) => book.snapshot(now).upstreams.find((u) => u.id === id)!;

describe('cooldownMs', () => {
  it('follows the shared backoff schedule: 30 s doubling to at most 10 min; Retry-After wins (capped at 1 h)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => cooldownMs(n))).toEqual([
      30_000,
      60_000,
      120_000,
      240_000,
      480_000,
      600_000,
      600_000,
      COOLDOWN_BACKOFF.maxMs,
    ]);
    expect(cooldownMs(5, 7_000)).toBe(7_000);
    expect(cooldownMs(1, 10 * 3_600_000)).toBe(3_600_000);
  });
});

describe('UpstreamBook', () => {
  it('reserve is idempotent by request id and counts in flight per mode', () => {
    const book = new UpstreamBook(config());
    const d = book.reserve(req('r1'), T0);
    expect(d).toEqual({ kind: 'routed', upstreamId: 'a', mode: 'FAST', price: 0.1, currency: 'USD' });
    expect(book.reserve(req('r1', { modes: ['RELAX'] }), T0 + 5)).toEqual(d);
    expect(health(book, 'a').inFlight).toEqual({ FAST: 1 });
    book.reserve(req('r2'), T0);
    // `a` is full on FAST (2): the preferred mode wins over the tier, so FAST on `b` first, then RELAX on `a`.
    expect(book.reserve(req('r3'), T0)).toMatchObject({ upstreamId: 'b', mode: 'FAST' });
    expect(book.reserve(req('r4'), T0)).toMatchObject({ upstreamId: 'b', mode: 'FAST' });
    expect(book.reserve(req('r5'), T0)).toMatchObject({ upstreamId: 'a', mode: 'RELAX' });
    expect(book.snapshot(T0).totals.reserved).toBe(5);
  });

  it('accepted counts once per reservation and towards the daily cap; the day rolls over at UTC midnight', () => {
    const book = new UpstreamBook(config([view('a')]));
    for (const id of ['r1', 'r2']) {
      book.reserve(req(id), T0);
      book.report({ requestId: id, upstreamId: 'a', report: { kind: 'accepted', taskId: `t-${id}` } }, T0);
      book.report({ requestId: id, upstreamId: 'a', report: { kind: 'accepted', taskId: `t-${id}` } }, T0);
      book.release(id, 'a');
    }
    book.reserve(req('r3'), T0);
    book.report({ requestId: 'r3', upstreamId: 'a', report: { kind: 'accepted', taskId: 't3' } }, T0);
    book.release('r3', 'a');
    expect(health(book, 'a').accepted).toEqual({ FAST: 3 });
    // Cap 3 reached: FAST waits for tomorrow, RELAX still routes.
    expect(book.reserve(req('r4', { modes: ['FAST'] }), T0)).toMatchObject({ kind: 'wait', reason: 'daily-cap' });
    expect(book.reserve(req('r5'), T0)).toMatchObject({ mode: 'RELAX' });
    const tomorrow = T0 + DAY_MS;
    expect(health(book, 'a', tomorrow)).toMatchObject({ day: '2026-12-02', accepted: {} });
    expect(book.reserve(req('r6', { modes: ['FAST'] }), tomorrow)).toMatchObject({ kind: 'routed', mode: 'FAST' });
  });

  it('failover frees the reservation and cools the upstream down; repeats do not penalise twice', () => {
    const book = new UpstreamBook(config());
    book.reserve(req('r1'), T0);
    const failover = { kind: 'failover', reason: 'queue-full', message: 'code 23' } as const;
    book.report({ requestId: 'r1', upstreamId: 'a', report: failover }, T0);
    book.report({ requestId: 'r1', upstreamId: 'a', report: failover }, T0);
    expect(health(book, 'a')).toMatchObject({
      inFlight: {},
      failures: 1,
      cooldownUntil: T0 + 30_000,
      cooldownReason: 'queue-full',
      blocked: 'cooldown:queue-full',
    });
    expect(book.reserve(req('r2'), T0 + 1)).toMatchObject({ upstreamId: 'b' });
    // A second failover in a row doubles the cooldown; a Retry-After wins.
    book.reserve(req('r3', { pin: 'a' }), T0 + 30_000);
    book.report({ requestId: 'r3', upstreamId: 'a', report: failover }, T0 + 30_000);
    expect(health(book, 'a', T0 + 30_000).cooldownUntil).toBe(T0 + 30_000 + 60_000);
    // An acceptance resets the failure count.
    book.reserve(req('r4', { pin: 'a' }), T0 + 100_000);
    book.report({ requestId: 'r4', upstreamId: 'a', report: { kind: 'accepted', taskId: 't' } }, T0 + 100_000);
    expect(health(book, 'a', T0 + 100_000).failures).toBe(0);
    expect(book.snapshot(T0).totals).toMatchObject({ failovers: 2, accepted: 1 });
  });

  it('counts concurrent failovers of one outage once: only reservations made after the last escalation escalate', () => {
    const book = new UpstreamBook(config([view('a')]));
    for (const id of ['r1', 'r2', 'r3', 'r4']) expect(book.reserve(req(id), T0)).toMatchObject({ upstreamId: 'a' });
    const refused = { kind: 'failover', reason: 'connection', message: 'refused' } as const;
    // Four submits in flight when `a` died: one outage, the first cooldown (30 s), not 30 s × 2^3.
    for (const [i, id] of ['r1', 'r2', 'r3', 'r4'].entries()) {
      book.report({ requestId: id, upstreamId: 'a', report: refused }, T0 + 100 + i);
    }
    expect(health(book, 'a', T0 + 200)).toMatchObject({ failures: 1, inFlight: {} });
    expect(health(book, 'a', T0 + 200).cooldownUntil).toBeLessThanOrEqual(T0 + 103 + 30_000);
    // A submit reserved after that (the cooldown over) that fails again is a failover in a row: it doubles.
    book.reserve(req('r5'), T0 + 40_000);
    book.report({ requestId: 'r5', upstreamId: 'a', report: refused }, T0 + 40_001);
    expect(health(book, 'a', T0 + 40_001)).toMatchObject({ failures: 2, cooldownUntil: T0 + 40_001 + 60_000 });
  });

  it('fast-exhausted sets fastExhaustedUntil (Retry-After, else next UTC midnight), not a cooldown', () => {
    const book = new UpstreamBook(config([view('a')]));
    book.reserve(req('r1'), T0);
    book.report(
      { requestId: 'r1', upstreamId: 'a', report: { kind: 'failover', reason: 'fast-exhausted', message: 'x' } },
      T0
    );
    expect(health(book, 'a')).toMatchObject({ fastExhaustedUntil: Date.UTC(2026, 11, 2), failures: 0 });
    expect(health(book, 'a').cooldownUntil).toBeUndefined();
    expect(book.reserve(req('r2'), T0)).toMatchObject({ mode: 'RELAX' });
  });

  it('disable takes the upstream out (kept on repeats), job-error frees without penalty, unknown keeps in flight', () => {
    const book = new UpstreamBook(config());
    book.reserve(req('r1'), T0);
    book.report({ requestId: 'r1', upstreamId: 'a', report: { kind: 'job-error' } }, T0);
    expect(health(book, 'a')).toMatchObject({ inFlight: {}, failures: 0 });
    expect(health(book, 'a').cooldownUntil).toBeUndefined();

    book.reserve(req('r2'), T0);
    book.report({ requestId: 'r2', upstreamId: 'a', report: { kind: 'unknown' } }, T0);
    expect(health(book, 'a').inFlight).toEqual({ FAST: 1 });

    book.reserve(req('r3'), T0);
    book.report({ requestId: 'r3', upstreamId: 'a', report: { kind: 'disable', reason: 'auth', message: '401' } }, T0);
    book.report(
      { requestId: 'r3', upstreamId: 'a', report: { kind: 'disable', reason: 'auth', message: '401' } },
      T0 + 9
    );
    expect(health(book, 'a')).toMatchObject({ disabled: { reason: 'auth', message: '401', since: T0 } });
    expect(book.reserve(req('r4'), T0)).toMatchObject({ upstreamId: 'b' });

    // The operator puts it back, clearing everything that kept it out.
    const back = book.setEnabled({ upstreamId: 'a', enabled: true }, T0);
    expect(back.disabled).toBeUndefined();
    expect(book.setEnabled({ upstreamId: 'b', enabled: false, message: 'maintenance' }, T0).disabled).toEqual({
      reason: 'operator',
      message: 'maintenance',
      since: T0,
    });
  });

  it('release and reclaim free once; foreign upstream ids are ignored', () => {
    const book = new UpstreamBook(config());
    book.reserve(req('r1'), T0);
    expect(book.release('r1', 'b')).toBe(false);
    expect(book.release('r1', 'a')).toBe(true);
    expect(book.release('r1', 'a')).toBe(false);
    book.reserve(req('r2'), T0);
    expect(book.holders()).toEqual(['wf-r2']);
    expect(book.reclaim('r2')).toBe(true);
    expect(book.reclaim('r2')).toBe(false);
    expect(book.snapshot(T0).totals).toMatchObject({ released: 1, reclaimed: 1 });
  });

  it("resolves `<stateKey>#` to that step's reservation on the upstream (an attempt whose id was lost)", () => {
    const book = new UpstreamBook(config());
    book.reserve(req('mjt1|job-1|0#run.3'), T0);
    book.reserve(req('mjt1|job-10|0#run.3'), T0);
    // Another step's prefix, or another upstream, matches nothing.
    book.report({ requestId: 'mjt1|job-1|1#', upstreamId: 'a', report: { kind: 'accepted', taskId: 'X' } }, T0);
    book.report({ requestId: 'mjt1|job-1|0#', upstreamId: 'b', report: { kind: 'accepted', taskId: 'X' } }, T0);
    expect(book.snapshot(T0).totals.accepted).toBe(0);
    book.report({ requestId: 'mjt1|job-1|0#', upstreamId: 'a', report: { kind: 'accepted', taskId: 'T1' } }, T0);
    book.report({ requestId: 'mjt1|job-1|0#', upstreamId: 'a', report: { kind: 'accepted', taskId: 'T1' } }, T0);
    expect(health(book, 'a').accepted).toEqual({ FAST: 1 });
    expect(book.release('mjt1|job-1|0#', 'a')).toBe(true);
    expect(book.release('mjt1|job-1|0#', 'a')).toBe(false);
    expect(book.holders()).toEqual(['wf-mjt1|job-10|0#run.3']);
    expect(book.snapshot(T0).totals).toMatchObject({ accepted: 1, released: 1 });
  });

  it('the carry restores everything and keeps the reserve idempotent across continue-as-new', () => {
    const book = new UpstreamBook(config());
    const d = book.reserve(req('r1'), T0);
    book.report({ requestId: 'r1', upstreamId: 'a', report: { kind: 'accepted', taskId: 't' } }, T0);
    book.reserve(req('r2'), T0);
    book.report(
      { requestId: 'r2', upstreamId: 'a', report: { kind: 'failover', reason: 'rate-limited', message: '' } },
      T0
    );
    const next = new UpstreamBook(config(), JSON.parse(JSON.stringify(book.toCarry())));
    expect({ ...next.snapshot(T0), generation: 0 }).toEqual({ ...book.snapshot(T0), generation: 0 });
    expect(next.generation).toBe(1);
    expect(next.reserve(req('r1'), T0)).toEqual(d);
  });

  it('configure adopts new views and drops the state of upstreams no longer configured', () => {
    const book = new UpstreamBook(config());
    book.reserve(req('r1'), T0);
    book.report({ requestId: 'r1', upstreamId: 'b', report: { kind: 'disable', reason: 'auth', message: '' } }, T0);
    expect(book.configure({ ...config([view('a')]), version: 'v2' })).toBe('v2');
    expect(book.snapshot(T0).upstreams.map((u) => u.id)).toEqual(['a']);
    expect(book.states.has('b')).toBe(false);
    expect(book.reservations.size).toBe(1);
  });

  it('remembers the workflows it told to wait and queues a wake for them when their upstream is enabled', () => {
    const book = new UpstreamBook(config());
    book.setEnabled({ upstreamId: 'a', enabled: false }, T0);
    book.setEnabled({ upstreamId: 'b', enabled: false }, T0);
    expect(book.reserve(req('p-a', { pin: 'a' }), T0)).toMatchObject({ kind: 'wait', upstreamId: 'a' });
    expect(book.reserve(req('p-b', { pin: 'b' }), T0)).toMatchObject({ kind: 'wait', upstreamId: 'b' });
    expect(book.reserve(req('any'), T0)).toMatchObject({ kind: 'wait' });
    expect(book.takeWakes()).toEqual([]);
    // The waiters survive a continue-as-new.
    const next = new UpstreamBook(config(), JSON.parse(JSON.stringify(book.toCarry())));
    next.setEnabled({ upstreamId: 'a', enabled: true }, T0 + 1);
    // Those pinned to "a" and those that any upstream may take; not the one pinned to "b".
    expect(next.takeWakes()).toEqual([
      { workflowId: 'wf-p-a', upstreamId: 'a' },
      { workflowId: 'wf-any', upstreamId: 'a' },
    ]);
    expect(next.takeWakes()).toEqual([]);
    // A waiter that got through is forgotten; one told to wait again is remembered again.
    expect(next.reserve(req('p-a2', { pin: 'a', workflowId: 'wf-p-a' }), T0 + 2)).toMatchObject({ kind: 'routed' });
    expect(next.reserve(req('p-b2', { pin: 'b', workflowId: 'wf-p-b' }), T0 + 2)).toMatchObject({ kind: 'wait' });
    next.setEnabled({ upstreamId: 'a', enabled: true }, T0 + 3);
    expect(next.takeWakes()).toEqual([]);
    // Another config wakes every waiter; the same config again wakes nobody.
    next.configure(config());
    expect(next.takeWakes()).toEqual([]);
    next.configure({ ...config(), version: 'v2' });
    expect(next.takeWakes()).toEqual([{ workflowId: 'wf-p-b' }]);
  });

  it('probes only an upstream down for connection failures that a waiter needs; its return wakes them', () => {
    const book = new UpstreamBook(config());
    const refuse = (id: string, upstreamId: string, reason: 'connection' | 'queue-full') => {
      book.reserve(req(id, { pin: upstreamId }), T0);
      book.report({ requestId: id, upstreamId, report: { kind: 'failover', reason, message: '' } }, T0);
    };
    refuse('r-a', 'a', 'connection');
    refuse('r-b', 'b', 'queue-full');
    expect(book.probeTargets(T0)).toEqual([]);
    expect(book.reserve(req('w-a', { pin: 'a' }), T0 + 1)).toMatchObject({ kind: 'wait', upstreamId: 'a' });
    expect(book.reserve(req('w-b', { pin: 'b' }), T0 + 1)).toMatchObject({ kind: 'wait', upstreamId: 'b' });
    // A queue-full cooldown ends on its own time; only the silent upstream is probed, and only during its cooldown.
    expect(book.probeTargets(T0 + 1)).toEqual(['a']);
    expect(book.probeTargets(T0 + cooldownMs(1))).toEqual([]);
    book.cameBack('b', T0 + 2);
    expect(book.takeWakes()).toEqual([]);
    book.cameBack('a', T0 + 2);
    expect(health(book, 'a', T0 + 2)).toMatchObject({ failures: 0 });
    expect(health(book, 'a', T0 + 2).blocked).toBeUndefined();
    expect(book.takeWakes()).toEqual([{ workflowId: 'wf-w-a', upstreamId: 'a' }]);
    expect(book.probeTargets(T0 + 2)).toEqual([]);
  });
});
