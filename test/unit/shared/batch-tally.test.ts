import {
  batchPace,
  formatBatchLine,
  formatRate,
  formatSpan,
  paceFields,
  tallyOfProgress,
  type BatchTally,
} from '../../../src/shared/batch-tally';
import type { BatchProgress } from '../../../src/shared/pipeline-types';

const T0 = Date.UTC(2026, 11, 5, 1, 0, 0);
const MIN = 60_000;

const tally = (over: Partial<BatchTally> = {}): BatchTally => ({
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  running: 0,
  waiting: 0,
  startedAt: T0,
  ...over,
});

describe('batchPace', () => {
  test('measures finished items per minute since the start and the time the rest takes at that rate', () => {
    // 40 finished in 10 minutes: 4/min; 60 left: 15 minutes.
    const p = batchPace(tally({ succeeded: 38, failed: 2, running: 4, waiting: 56 }), T0 + 10 * MIN);
    expect(p).toEqual({
      total: 100,
      finished: 40,
      elapsedMs: 10 * MIN,
      activeMs: 10 * MIN,
      perMinute: 4,
      etaMs: 15 * MIN,
      endsAt: T0 + 25 * MIN,
    });
  });

  test('knows no rate and no estimate before the first item finishes', () => {
    const p = batchPace(tally({ running: 3, waiting: 7 }), T0 + 5 * MIN);
    expect(p.perMinute).toBeNull();
    expect(p.etaMs).toBeNull();
  });

  test('counts cancelled items as finished, and an ended batch is measured to its end', () => {
    const p = batchPace(tally({ succeeded: 5, cancelled: 5, endedAt: T0 + 2 * MIN }), T0 + 60 * MIN);
    expect(p).toMatchObject({ total: 10, finished: 10, elapsedMs: 2 * MIN, perMinute: 5, etaMs: 0 });
  });

  test('a clock that reads before the start gives no rate rather than a negative one', () => {
    expect(batchPace(tally({ succeeded: 1, waiting: 1 }), T0 - 1000)).toMatchObject({ elapsedMs: 0, perMinute: null });
  });
});

describe('batchPace of a paged batch: pauses, quiet hours, deadline, items never started', () => {
  test('leaves time paused out of the rate, the pause going on too', () => {
    // 50 items in 10 minutes, 4 of them paused before and 2 paused now: 50 in 4 running minutes.
    const t = tally({ succeeded: 50, waiting: 50, idleMs: 4 * MIN, pausedSince: T0 + 8 * MIN });
    const p = batchPace(t, T0 + 10 * MIN);
    expect(p).toMatchObject({ elapsedMs: 10 * MIN, activeMs: 4 * MIN, perMinute: 12.5, etaMs: 4 * MIN });
  });

  test('skips quiet hours in the ETA and says whether the deadline is reached', () => {
    // 01:10, 10/min, 600 left: 60 running minutes; quiet 01:30–03:00 moves the end from 02:10 to 03:40.
    const t = tally({ succeeded: 100, waiting: 600 });
    const quietHours = [{ from: '01:30', to: '03:00' }];
    const p = batchPace(t, T0 + 10 * MIN, { quietHours, deadline: T0 + 3 * 60 * MIN });
    expect(p.endsAt).toBe(T0 + 160 * MIN);
    expect(p.etaMs).toBe(150 * MIN);
    expect(p.deadline).toEqual({ at: T0 + 180 * MIN, reachable: true, eta: T0 + 160 * MIN });
    expect(batchPace(t, T0 + 10 * MIN, { quietHours, deadline: T0 + 150 * MIN }).deadline?.reachable).toBe(false);
    expect(batchPace(tally({ waiting: 5 }), T0 + MIN, { deadline: T0 }).deadline).toEqual({
      at: T0,
      reachable: 'unknown',
    });
  });

  test('items never started count in the total, not in the rate; an ended batch ends at its end', () => {
    const t = tally({ succeeded: 4, notStarted: 6, endedAt: T0 + 2 * MIN });
    const p = batchPace(t, T0 + 60 * MIN, { deadline: T0 + 5 * MIN });
    expect(p).toMatchObject({ total: 10, finished: 4, perMinute: 2, etaMs: 0, endsAt: T0 + 2 * MIN });
    expect(p.deadline).toEqual({ at: T0 + 5 * MIN, reachable: true, eta: T0 + 2 * MIN });
  });

  test('paceFields is the pace as a live summary carries it', () => {
    expect(paceFields(tally({ waiting: 3 }), T0 + MIN)).toEqual({ ratePerMinute: 0 });
    expect(paceFields(tally({ succeeded: 2, waiting: 2 }), T0 + MIN, { deadline: T0 + 2 * MIN })).toEqual({
      ratePerMinute: 2,
      eta: T0 + 2 * MIN,
      deadline: { at: T0 + 2 * MIN, reachable: true, eta: T0 + 2 * MIN },
    });
    // Ended: no ETA any more, the deadline measured at the end.
    expect(paceFields(tally({ succeeded: 2, endedAt: T0 + MIN }), T0 + 9 * MIN)).toEqual({ ratePerMinute: 2 });
  });
});

describe('formatBatchLine', () => {
  test('says done / failed / running / waiting, the rate and the ETA in one line', () => {
    const line = formatBatchLine(tally({ succeeded: 38, failed: 2, running: 4, waiting: 56 }), T0 + 10 * MIN);
    expect(line).toBe('38/100 done · 2 failed · 4 running · 56 waiting · 4.0/min · ETA 15m 00s');
    expect(line).not.toContain('\n');
  });

  test('shows cancelled items only when there are some, and dashes before a rate is known', () => {
    expect(formatBatchLine(tally({ running: 2, waiting: 8 }), T0 + MIN)).toBe(
      '0/10 done · 0 failed · 2 running · 8 waiting · –/min · ETA –'
    );
    expect(formatBatchLine(tally({ succeeded: 3, cancelled: 7, endedAt: T0 + 90_000 }), T0 + 90 * MIN)).toBe(
      '3/10 done · 0 failed · 7 cancelled · 0 running · 0 waiting · 6.7/min · took 1m 30s'
    );
  });

  test('adds items never started, and the deadline when the rules name one', () => {
    const t = tally({ succeeded: 20, failed: 1, notStarted: 3, waiting: 76 });
    expect(formatBatchLine(t, T0 + 7 * MIN, { deadline: Date.UTC(2026, 11, 5, 1, 30) })).toBe(
      '20/100 done · 1 failed · 3 not started · 0 running · 76 waiting · 3.0/min · ETA 25m 20s · ' +
        'deadline 2026-12-05 01:30 UTC: not reachable at this rate'
    );
  });

  test('a batch of ten thousand keeps the line short', () => {
    const line = formatBatchLine(
      tally({ succeeded: 7341, failed: 12, running: 12, waiting: 2635 }),
      T0 + 3 * 3_600_000
    );
    expect(line).toBe('7341/10000 done · 12 failed · 12 running · 2635 waiting · 41/min · ETA 1h 04m');
  });
});

describe('formatSpan and formatRate', () => {
  test.each([
    [0, '0s'],
    [44_600, '45s'],
    [13 * MIN + 5_000, '13m 05s'],
    [2 * 3_600_000 + 5 * MIN, '2h 05m'],
    [3 * 86_400_000 + 4 * 3_600_000, '3d 04h'],
  ])('%d ms is %s', (ms, text) => expect(formatSpan(ms)).toBe(text));

  test('one decimal below ten a minute, whole numbers above', () => {
    expect(formatRate(4.25)).toBe('4.3/min');
    expect(formatRate(37.4)).toBe('37/min');
    expect(formatRate(null)).toBe('–/min');
  });
});

test('tallyOfProgress reads the batch progress query', () => {
  const p: BatchProgress = {
    batchId: 'b',
    done: false,
    total: 10,
    pending: 4,
    running: 2,
    succeeded: 2,
    failed: 1,
    cancelled: 1,
    maxRunningPerGroup: 2,
    groups: [],
    items: [],
  };
  expect(tallyOfProgress(p, T0)).toEqual({
    succeeded: 2,
    failed: 1,
    cancelled: 1,
    running: 2,
    waiting: 4,
    startedAt: T0,
  });
  expect(tallyOfProgress(p, T0, T0 + 1).endedAt).toBe(T0 + 1);
});
