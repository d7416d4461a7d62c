import { ApplicationFailure } from '@temporalio/common';
import {
  ALIVE_TOTAL_CAP_MS,
  deadlinesFor,
  earliestFetchAt,
  growInterval,
  hintNeedsFetch,
  jittered,
  nextDeadline,
  progressRank,
  resolvePolicy,
} from '../../../src/workflows/job/poll';

describe('resolvePolicy', () => {
  it('merges overrides over the per-mode defaults, ignoring undefined fields', () => {
    const p = resolvePolicy('RELAX', { initialInterval: '1s', maxInterval: undefined, modalTimeout: '2d' });
    expect(p).toMatchObject({
      initialMs: 1_000,
      maxMs: 300_000,
      // 3 × 5 min, capped at 10 min (safety-net waits are jittered downwards only).
      webhookMs: 600_000,
      coefficient: 1.6,
      queuedMs: 3 * 3_600_000,
      modalMs: 2 * 86_400_000,
    });
  });

  it('slows to the webhook safety net: 6 × maxInterval unless webhookInterval is given', () => {
    expect(resolvePolicy('FAST', { initialInterval: '500ms', maxInterval: '1s' }).webhookMs).toBe(6_000);
    expect(resolvePolicy('FAST').webhookMs).toBe(120_000);
    expect(resolvePolicy('FAST', { webhookInterval: '45s' }).webhookMs).toBe(45_000);
    const p = resolvePolicy('FAST');
    expect(growInterval(p.initialMs, p, true)).toBe(p.webhookMs);
    expect(growInterval(p.initialMs, p, false)).toBeLessThan(p.webhookMs);
  });

  it('confirms only terminal, MODAL and bare webhook hints at once', () => {
    expect(['SUCCESS', 'FAILURE', 'CANCEL', 'MODAL', undefined].every(hintNeedsFetch)).toBe(true);
    expect(['NOT_START', 'SUBMITTED', 'IN_PROGRESS'].some(hintNeedsFetch)).toBe(false);
  });

  it('leaves modal waits unbounded unless a modalTimeout is given', () => {
    expect(resolvePolicy('FAST').modalMs).toBeUndefined();
  });

  it.each([
    [{ initialInterval: 'soon' }, /invalid duration/],
    [{ initialInterval: '1m', maxInterval: '10s' }, /maxInterval/],
    [{ backoffCoefficient: 0.5 }, /backoffCoefficient/],
    [{ jitter: 1 }, /jitter/],
  ])('rejects %p as a typed, non-retryable ValidationRejected', (override, message) => {
    let caught: unknown;
    try {
      resolvePolicy('FAST', override as never);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApplicationFailure);
    expect(caught).toMatchObject({ type: 'ValidationRejected', nonRetryable: true });
    expect((caught as Error).message).toMatch(message);
  });
});

describe('growInterval', () => {
  const p = resolvePolicy('FAST', { initialInterval: '2s', maxInterval: '10s', backoffCoefficient: 2 });
  it('grows geometrically and stops at maxInterval', () => {
    const seq = [2_000];
    for (let i = 0; i < 4; i++) seq.push(growInterval(seq[seq.length - 1], p));
    expect(seq).toEqual([2_000, 4_000, 8_000, 10_000, 10_000]);
  });
});

describe('jittered', () => {
  it('stays within ± jitter and is reproducible for the same random source', () => {
    const values = [0, 0.25, 0.5, 0.999].map((r) => jittered(10_000, 0.2, () => r));
    expect(values).toEqual([8_000, 9_000, 10_000, 11_996]);
  });
  it('never returns less than 1 ms (a zero timer is not a wait)', () => {
    expect(jittered(0, 0.5, () => 0)).toBe(1);
  });
});

describe('nextDeadline', () => {
  const p = resolvePolicy('FAST', { queuedTimeout: '10m', stallTimeout: '5m', totalTimeout: '1h' });
  const base = { submittedAt: 0, queuedSince: 0, lastChangeAt: 0, running: false, modalWaitedMs: 0 };

  it('uses the queued deadline before any progress', () => {
    expect(nextDeadline(base, p)).toEqual({ kind: 'queued', at: 600_000 });
  });
  it('uses the stall deadline from the last change while running', () => {
    expect(nextDeadline({ ...base, running: true, lastChangeAt: 1_000_000 }, p)).toEqual({
      kind: 'stall',
      at: 1_300_000,
    });
  });
  it('lets the total deadline win when it is nearer, not counting time parked in MODAL', () => {
    const c = { ...base, running: true, lastChangeAt: 3_500_000 };
    expect(nextDeadline(c, p)).toEqual({ kind: 'total', at: 3_600_000 });
    expect(nextDeadline({ ...c, modalWaitedMs: 86_400_000 }, p)).toEqual({ kind: 'stall', at: 3_800_000 });
  });
  it('with the mode unconfirmed, a running task that advances is bounded by stall and the 6 h cap only', () => {
    const c = { ...base, running: true, lastChangeAt: 3_500_000, modeUnconfirmed: true };
    expect(ALIVE_TOTAL_CAP_MS).toBe(6 * 3_600_000);
    expect(nextDeadline(c, p)).toEqual({ kind: 'stall', at: 3_800_000 });
    expect(nextDeadline({ ...c, lastChangeAt: ALIVE_TOTAL_CAP_MS - 1_000 }, p)).toEqual({
      kind: 'total',
      at: ALIVE_TOTAL_CAP_MS,
    });
    // Queued shows no progress to judge by: the requested mode's queued deadline stays.
    expect(nextDeadline({ ...base, modeUnconfirmed: true }, p)).toEqual({ kind: 'queued', at: 600_000 });
  });
});

describe('deadlinesFor and earliestFetchAt', () => {
  it("takes another mode's deadlines under the caller's overrides", () => {
    expect(deadlinesFor('RELAX')).toEqual({ queuedMs: 3 * 3_600_000, stallMs: 1_800_000, totalMs: 6 * 3_600_000 });
    expect(deadlinesFor('RELAX', { stallTimeout: '1m' })).toMatchObject({ stallMs: 60_000 });
  });
  it('holds the next read a refresh period after the last one; a live proxy never', () => {
    expect(earliestFetchAt(1_000, 15_000)).toBe(16_000);
    expect(earliestFetchAt(1_000, 0)).toBe(0);
    expect(earliestFetchAt(undefined, 15_000)).toBe(0);
  });
});

describe('progressRank', () => {
  it('orders states the way proxies order notifications', () => {
    const ranks = [
      progressRank('NOT_START', ''),
      progressRank('SUBMITTED', '0%'),
      progressRank('IN_PROGRESS', '15%'),
      progressRank('IN_PROGRESS', '46%'),
      progressRank('SUCCESS', '100%'),
    ];
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(new Set(ranks).size).toBe(ranks.length);
  });
  it('ranks an unknown state below everything known', () => {
    expect(progressRank(undefined, undefined)).toBeLessThan(progressRank('NOT_START', ''));
  });
});
