/** Routing keeps a share of each upstream mode's places for interactive work: batch requests stay out of it. */
import { route } from '../../../src/shared/upstreams/routing';
import type { ReserveRequest, RoutingSettings, UpstreamView } from '../../../src/shared/upstreams/types';
import type { UpstreamPoolConfig } from '../../../src/workflows/upstreams/messages';
import { UpstreamBook } from '../../../src/workflows/upstreams/upstream-book';
import { upstreamView } from './fixtures';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const SETTINGS: RoutingSettings = { rule: 'least-loaded', modePreference: ['FAST'] };

const config = (views: UpstreamView[]): UpstreamPoolConfig => ({ version: 'v1', views, routing: SETTINGS });
const req = (requestId: string, jobPriority?: 'batch' | 'interactive'): ReserveRequest => ({
  requestId,
  workflowId: `wf-${requestId}`,
  action: 'IMAGINE',
  features: [],
  modes: ['FAST'],
  ...(jobPriority ? { jobPriority } : {}),
});

describe('routing with an interactive share', () => {
  const a = upstreamView('a', { modes: { FAST: { concurrency: 3, reservedForInteractive: 1 } } });
  const loaded = (inFlight: number) => ({ a: { inFlight: { FAST: inFlight }, accepted: {}, day: '2026-12-01' } });

  test('batch work is routed while it leaves the kept places free, then told to wait', () => {
    expect(route([a], loaded(1), req('b'), SETTINGS, T0, 0)).toMatchObject({ kind: 'routed' });
    expect(route([a], loaded(1), { ...req('b'), jobPriority: 'batch' }, SETTINGS, T0, 0)).toMatchObject({
      kind: 'routed',
    });
    expect(route([a], loaded(2), { ...req('b'), jobPriority: 'batch' }, SETTINGS, T0, 0)).toMatchObject({
      kind: 'wait',
      reason: 'busy',
    });
  });

  test('interactive work takes the kept place', () => {
    expect(route([a], loaded(2), req('p', 'interactive'), SETTINGS, T0, 0)).toMatchObject({ kind: 'routed' });
    expect(route([a], loaded(3), req('p', 'interactive'), SETTINGS, T0, 0)).toMatchObject({ kind: 'wait' });
  });

  test('the default keeps one place, and a one-place upstream still takes batch work', () => {
    const dflt = upstreamView('a', { modes: { FAST: { concurrency: 2 } } });
    expect(route([dflt], loaded(1), req('b', 'batch'), SETTINGS, T0, 0)).toMatchObject({ kind: 'wait' });
    const one = upstreamView('a', { modes: { FAST: { concurrency: 1 } } });
    expect(route([one], loaded(0), req('b', 'batch'), SETTINGS, T0, 0)).toMatchObject({ kind: 'routed' });
  });
});

describe('UpstreamBook and the interactive share', () => {
  const a = upstreamView('a', { modes: { FAST: { concurrency: 2, reservedForInteractive: 1 } } });

  test('a prioritised pool keeps the place for a person while batch work waits', () => {
    const book = new UpstreamBook(config([a]), undefined, { prioritised: true });
    expect(book.reserve(req('b1', 'batch'), T0)).toMatchObject({ kind: 'routed' });
    expect(book.reserve(req('b2', 'batch'), T0)).toMatchObject({ kind: 'wait', reason: 'busy' });
    expect(book.reserve(req('p1'), T0)).toMatchObject({ kind: 'routed' });
  });

  test('a pool recorded before the rule routes batch work into every place', () => {
    const book = new UpstreamBook(config([a]));
    expect(book.reserve(req('b1', 'batch'), T0)).toMatchObject({ kind: 'routed' });
    expect(book.reserve(req('b2', 'batch'), T0)).toMatchObject({ kind: 'routed' });
    expect(book.reserve(req('p1'), T0)).toMatchObject({ kind: 'wait' });
  });
});
