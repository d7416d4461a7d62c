/** The pure routing function: every stage and rule, without a server. */
import type { SpeedMode } from '../../../src/mj/types';
import { route, type RouteHealth } from '../../../src/shared/upstreams/routing';
import { BUSY_RECHECK_MS } from '../../../src/shared/upstreams/rules/caps';
import { DISABLED_RECHECK_MS, EXCLUDED_RECHECK_MS } from '../../../src/shared/upstreams/rules/health';
import { unitHash } from '../../../src/shared/upstreams/rules/weighted';
import type { RouteRequest, RoutingRule, RoutingSettings } from '../../../src/shared/upstreams/types';
import { upstreamView } from './fixtures';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const DAY = '2026-12-01';

const view = upstreamView;
const settings = (rule: RoutingRule = 'least-loaded'): RoutingSettings => ({
  rule,
  modePreference: ['FAST', 'TURBO', 'RELAX'],
});
const request = (extra: Partial<RouteRequest> = {}): RouteRequest => ({
  action: 'IMAGINE',
  features: [],
  modes: [],
  ...extra,
});
const health = (extra: Partial<RouteHealth> = {}): RouteHealth => ({ inFlight: {}, day: DAY, accepted: {}, ...extra });
const busy = (mode: SpeedMode, n: number) => health({ inFlight: { [mode]: n } });

describe('route: capability', () => {
  it('an unknown pin is final (`none`, rule owner); a known pin only ever routes to its owner', () => {
    const views = [view('a'), view('b')];
    expect(route(views, {}, request({ pin: 'z' }), settings(), T0, 0)).toMatchObject({ kind: 'none', rule: 'owner' });
    expect(
      route(views, { a: busy('FAST', 0), b: busy('FAST', 0) }, request({ pin: 'b' }), settings(), T0, 0)
    ).toMatchObject({
      kind: 'routed',
      upstreamId: 'b',
    });
  });

  it('a pinned owner that is down answers wait on that owner, never another upstream', () => {
    const views = [view('a'), view('b')];
    const h = { b: health({ cooldownUntil: T0 + 60_000, cooldownReason: 'connection' }) };
    expect(route(views, h, request({ pin: 'b' }), settings(), T0, 0)).toEqual({
      kind: 'wait',
      untilMs: T0 + 60_000,
      reason: 'cooldown:connection',
      upstreamId: 'b',
    });
  });

  it('features filter: only upstreams listing every needed feature; none offers it → none/feature', () => {
    const views = [view('a'), view('b', { features: ['vary-region', 'video'] })];
    expect(route(views, {}, request({ features: ['vary-region'] }), settings(), T0, 0)).toMatchObject({
      upstreamId: 'b',
    });
    expect(route(views, {}, request({ features: ['niji'] }), settings(), T0, 0)).toMatchObject({
      kind: 'none',
      rule: 'feature',
    });
  });

  it('a mode nobody offers → none/mode', () => {
    expect(route([view('a')], {}, request({ modes: ['TURBO'] }), settings(), T0, 0)).toMatchObject({
      kind: 'none',
      rule: 'mode',
    });
  });
});

describe('route: mode preference and price', () => {
  it('takes the first preferred mode some upstream can take now, with its price', () => {
    const views = [
      view('a', {
        prices: { currency: 'EUR', default: { FAST: 0.1, RELAX: 0.02 }, byAction: { UPSCALE: { FAST: 0.03 } } },
      }),
    ];
    expect(route(views, {}, request(), settings(), T0, 0)).toEqual({
      kind: 'routed',
      upstreamId: 'a',
      mode: 'FAST',
      price: 0.1,
      currency: 'EUR',
    });
    expect(route(views, {}, request({ action: 'UPSCALE' }), settings(), T0, 0)).toMatchObject({ price: 0.03 });
    // FAST full → RELAX.
    expect(route(views, { a: busy('FAST', 4) }, request(), settings(), T0, 0)).toMatchObject({
      mode: 'RELAX',
      price: 0.02,
    });
    // The job's own preference wins over the pool's.
    expect(route(views, {}, request({ modes: ['RELAX', 'FAST'] }), settings(), T0, 0)).toMatchObject({ mode: 'RELAX' });
  });

  it('fast hours exhausted skips FAST and TURBO but keeps RELAX', () => {
    const h = { a: health({ fastExhaustedUntil: T0 + 3_600_000 }) };
    expect(route([view('a')], h, request(), settings(), T0, 0)).toMatchObject({ mode: 'RELAX' });
    expect(route([view('a')], h, request({ modes: ['FAST'] }), settings(), T0, 0)).toEqual({
      kind: 'wait',
      untilMs: T0 + 3_600_000,
      reason: 'fast-exhausted',
      upstreamId: 'a',
    });
  });
});

describe('route: health and caps', () => {
  it('skips disabled, cooling, closed and excluded upstreams', () => {
    const views = [view('a'), view('b'), view('c', { workHours: { from: '20:00', to: '08:00' } }), view('d')];
    const h = {
      a: health({ disabled: { reason: 'auth', message: '401', since: T0 } }),
      b: health({ cooldownUntil: T0 + 1, cooldownReason: 'queue-full' }),
    };
    expect(route(views, h, request({ exclude: ['d'] }), settings(), T0, 0).kind).toBe('wait');
    expect(route(views, h, request(), settings(), T0, 0)).toMatchObject({ upstreamId: 'd' });
    // A cooldown that has ended no longer blocks.
    expect(route(views, h, request({ exclude: ['d'] }), settings(), T0 + 1, 0)).toMatchObject({ upstreamId: 'b' });
  });

  it('wait names the earliest time something frees: cooldown end, work-hours start, day reset, busy recheck', () => {
    const wh = view('a', { workHours: { from: '13:30', to: '18:00' } });
    expect(route([wh], {}, request(), settings(), T0, 0)).toEqual({
      kind: 'wait',
      untilMs: T0 + 90 * 60_000,
      reason: 'work-hours',
      upstreamId: 'a',
    });
    const capped = view('a', { modes: { FAST: { concurrency: 4, dailyCap: 2 } } });
    expect(route([capped], { a: health({ accepted: { FAST: 2 } }) }, request(), settings(), T0, 0)).toEqual({
      kind: 'wait',
      untilMs: Date.UTC(2026, 11, 2),
      reason: 'daily-cap',
      upstreamId: 'a',
    });
    // Yesterday's counts do not hold today's cap.
    expect(
      route([capped], { a: health({ day: '2026-11-30', accepted: { FAST: 2 } }) }, request(), settings(), T0, 0).kind
    ).toBe('routed');
    const one = view('a', { modes: { FAST: { concurrency: 1 } } });
    expect(route([one], { a: busy('FAST', 1) }, request(), settings(), T0, 0)).toMatchObject({
      kind: 'wait',
      untilMs: T0 + BUSY_RECHECK_MS,
      reason: 'busy',
    });
    const both = [one, view('b', { modes: { FAST: { concurrency: 1 } } })];
    const h = { a: busy('FAST', 1), b: health({ disabled: { reason: 'auth', message: '', since: 0 } }) };
    expect(route(both, h, request(), settings(), T0, 0)).toMatchObject({
      untilMs: T0 + BUSY_RECHECK_MS,
      upstreamId: 'a',
    });
    expect(route([view('x')], {}, request({ exclude: ['x'] }), settings(), T0, 0)).toMatchObject({
      untilMs: T0 + EXCLUDED_RECHECK_MS,
      reason: 'excluded',
    });
    const off = { x: health({ disabled: { reason: 'operator', message: '', since: 0 } }) };
    expect(route([view('x')], off, request(), settings(), T0, 0)).toMatchObject({
      untilMs: T0 + DISABLED_RECHECK_MS,
      reason: 'disabled:operator',
    });
  });

  it('work hours across midnight and with a UTC offset', () => {
    const night = view('a', { workHours: { from: '22:00', to: '06:00' } });
    expect(route([night], {}, request(), settings(), Date.UTC(2026, 11, 1, 23, 0), 0).kind).toBe('routed');
    expect(route([night], {}, request(), settings(), Date.UTC(2026, 11, 1, 5, 59), 0).kind).toBe('routed');
    expect(route([night], {}, request(), settings(), Date.UTC(2026, 11, 1, 6, 0), 0)).toMatchObject({
      untilMs: Date.UTC(2026, 11, 1, 22, 0),
    });
    // 09:00-17:00 at UTC+8 is 01:00-09:00 UTC.
    const beijing = view('a', { workHours: { from: '09:00', to: '17:00', utcOffsetMinutes: 480 } });
    expect(route([beijing], {}, request(), settings(), Date.UTC(2026, 11, 1, 8, 59), 0).kind).toBe('routed');
    expect(route([beijing], {}, request(), settings(), Date.UTC(2026, 11, 1, 9, 0), 0)).toMatchObject({
      untilMs: Date.UTC(2026, 11, 2, 1, 0),
    });
  });

  it('only the best priority tier with room is considered', () => {
    const views = [view('low', { priority: 1 }), view('high', { priority: 0, modes: { FAST: { concurrency: 1 } } })];
    expect(route(views, {}, request(), settings(), T0, 0)).toMatchObject({ upstreamId: 'high' });
    expect(route(views, { high: busy('FAST', 1) }, request(), settings(), T0, 0)).toMatchObject({ upstreamId: 'low' });
  });
});

describe('route: rules', () => {
  const three = [view('a'), view('b'), view('c')];

  it('least-loaded picks the smallest share of concurrency, ties in configured order', () => {
    const views = [view('a'), view('b', { modes: { FAST: { concurrency: 10 } } })];
    expect(route(views, { a: busy('FAST', 1), b: busy('FAST', 2) }, request(), settings(), T0, 0)).toMatchObject({
      upstreamId: 'b',
    });
    expect(route(three, {}, request(), settings(), T0, 0)).toMatchObject({ upstreamId: 'a' });
  });

  it('round-robin walks the candidates with the cursor', () => {
    const picks = [0, 1, 2, 3].map(
      (c) => (route(three, {}, request(), settings('round-robin'), T0, c) as { upstreamId: string }).upstreamId
    );
    expect(picks).toEqual(['a', 'b', 'c', 'a']);
  });

  it('fill-in-order fills the first upstream before the next', () => {
    expect(route(three, { a: busy('FAST', 3) }, request(), settings('fill-in-order'), T0, 0)).toMatchObject({
      upstreamId: 'a',
    });
    expect(route(three, { a: busy('FAST', 4) }, request(), settings('fill-in-order'), T0, 0)).toMatchObject({
      upstreamId: 'b',
    });
  });

  it('cheapest picks the lowest price for the action and mode, ties to the least loaded', () => {
    const views = [
      view('a'),
      view('b', { prices: { currency: 'USD', default: { FAST: 0.05 } } }),
      view('c', { prices: { currency: 'USD', default: { FAST: 0.05 } } }),
    ];
    expect(route(views, {}, request(), settings('cheapest'), T0, 0)).toMatchObject({ upstreamId: 'b', price: 0.05 });
    expect(route(views, { b: busy('FAST', 1) }, request(), settings('cheapest'), T0, 0)).toMatchObject({
      upstreamId: 'c',
    });
  });

  it('weighted shares traffic by weight, deterministically by cursor', () => {
    const views = [view('a', { weight: 3 }), view('b', { weight: 1 })];
    const picks = Array.from(
      { length: 4000 },
      (_, c) => (route(views, {}, request(), settings('weighted'), T0, c) as { upstreamId: string }).upstreamId
    );
    const share = picks.filter((p) => p === 'a').length / picks.length;
    expect(share).toBeGreaterThan(0.72);
    expect(share).toBeLessThan(0.78);
    // Same cursor, same pick (replay-safe); consecutive cursors do not clump.
    expect(route(views, {}, request(), settings('weighted'), T0, 17)).toEqual(
      route(views, {}, request(), settings('weighted'), T0, 17)
    );
    expect(new Set(picks.slice(0, 10)).size).toBe(2);
    expect(unitHash(1)).not.toBe(unitHash(2));
  });
});
