import {
  batchPace,
  formatBatchLine,
  formatRate,
  formatSpan,
  tallyOfProgress,
  type BatchTally,
} from '../../../src/shared/batch-tally';
import type { BatchProgress } from '../../../src/shared/pipeline-types';

const T0 = Date.UTC(2026, 11, 5, 1, 0, 0);
const MIN = 60_000;

const tally = (over: Partial<BatchTally> = {}): BatchTally => ({
  done: 0,
  failed: 0,
  running: 0,
  waiting: 0,
  startedAt: T0,
  ...over,
});

describe('batchPace', () => {
  test('measures finished items per minute since the start and the time the rest takes at that rate', () => {
    // 40 finished in 10 minutes: 4/min; 60 left: 15 minutes.
    const p = batchPace(tally({ done: 38, failed: 2, running: 4, waiting: 56 }), T0 + 10 * MIN);
    expect(p).toEqual({ total: 100, finished: 40, elapsedMs: 10 * MIN, perMinute: 4, etaMs: 15 * MIN });
  });

  test('knows no rate and no estimate before the first item finishes', () => {
    const p = batchPace(tally({ running: 3, waiting: 7 }), T0 + 5 * MIN);
    expect(p.perMinute).toBeNull();
    expect(p.etaMs).toBeNull();
  });

  test('counts cancelled items as finished, and an ended batch is measured to its end', () => {
    const p = batchPace(tally({ done: 5, cancelled: 5, endedAt: T0 + 2 * MIN }), T0 + 60 * MIN);
    expect(p).toMatchObject({ total: 10, finished: 10, elapsedMs: 2 * MIN, perMinute: 5, etaMs: 0 });
  });

  test('a clock that reads before the start gives no rate rather than a negative one', () => {
    expect(batchPace(tally({ done: 1, waiting: 1 }), T0 - 1000)).toMatchObject({ elapsedMs: 0, perMinute: null });
  });
});

describe('formatBatchLine', () => {
  test('says done / failed / running / waiting, the rate and the ETA in one line', () => {
    const line = formatBatchLine(tally({ done: 38, failed: 2, running: 4, waiting: 56 }), T0 + 10 * MIN);
    expect(line).toBe('38/100 done · 2 failed · 4 running · 56 waiting · 4.0/min · ETA 15m 00s');
    expect(line).not.toContain('\n');
  });

  test('shows cancelled items only when there are some, and dashes before a rate is known', () => {
    expect(formatBatchLine(tally({ running: 2, waiting: 8 }), T0 + MIN)).toBe(
      '0/10 done · 0 failed · 2 running · 8 waiting · –/min · ETA –'
    );
    expect(formatBatchLine(tally({ done: 3, cancelled: 7, endedAt: T0 + 90_000 }), T0 + 90 * MIN)).toBe(
      '3/10 done · 0 failed · 7 cancelled · 0 running · 0 waiting · 6.7/min · took 1m 30s'
    );
  });

  test('a batch of ten thousand keeps the line short', () => {
    const line = formatBatchLine(tally({ done: 7341, failed: 12, running: 12, waiting: 2635 }), T0 + 3 * 3_600_000);
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
  expect(tallyOfProgress(p, T0)).toEqual({ done: 2, failed: 1, cancelled: 1, running: 2, waiting: 4, startedAt: T0 });
  expect(tallyOfProgress(p, T0, T0 + 1).endedAt).toBe(T0 + 1);
});
