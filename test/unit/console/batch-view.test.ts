/**
 * The console's batch page says what the CLI's line says (counts, rate, ETA), and links an item's upstream URL only
 * when its images were not stored, labelled as expiring.
 */
import { batchViewOfProgress, batchViewOfReport } from '../../../src/console/batch-view';
import { batchLive } from '../../../src/console/pages/group';
import { formatBatchLine, tallyOfProgress } from '../../../src/shared/batch-tally';
import type { BatchProgress, BatchReport } from '../../../src/shared/pipeline-types';

const T0 = Date.UTC(2026, 11, 5, 1, 0, 0);
const MIN = 60_000;
const ctx = { base: '/console' };
const asset = { key: 'images/x/a.png', sha256: 'a'.repeat(64), size: 1, contentType: 'image/png' };

const progress: BatchProgress = {
  batchId: 'mj-batch-n',
  done: false,
  total: 10,
  pending: 5,
  running: 1,
  succeeded: 3,
  failed: 1,
  cancelled: 0,
  maxRunningPerGroup: 1,
  groups: [],
  items: [{ id: 'item-1', status: 'running', jobId: 'mj-batch-n/item-1' }],
};

test('a running batch shows the CLI’s line: counts, rate and ETA at the given time', () => {
  const view = batchViewOfProgress('mj-batch-n', 'running', progress, { startedAt: T0, now: T0 + 2 * MIN });
  expect(view.progressLine).toBe('3/10 done · 1 failed · 1 running · 5 waiting · 2.0/min · ETA 3m 00s');
  expect(view.progressLine).toBe(formatBatchLine(tallyOfProgress(progress, T0), T0 + 2 * MIN));
  expect(batchLive(ctx, view).toString()).toContain('3/10 done · 1 failed · 1 running · 5 waiting · 2.0/min');
});

test('a finished batch says how long it took; an item without a stored copy links its upstream URL, labelled', () => {
  const report: BatchReport = {
    batchId: 'mj-batch-n',
    summary: { total: 3, succeeded: 3, failed: 0, cancelled: 0 },
    items: [
      { id: 'fox', index: 0, status: 'succeeded', jobId: 'b/fox', images: [{ asset }] },
      { id: 'hare', index: 1, status: 'succeeded', jobId: 'b/hare', images: [{ url: 'https://cdn.example/h.png' }] },
      { id: 'owl', index: 2, status: 'succeeded', jobId: 'b/owl', images: [{ url: 'javascript:alert(1)' }] },
    ],
  };
  const view = batchViewOfReport('mj-batch-n', report, { startedAt: T0, endedAt: T0 + 3 * MIN, now: T0 + 60 * MIN });
  expect(view.progressLine).toBe('3/3 done · 0 failed · 0 running · 0 waiting · 1.0/min · took 3m 00s');
  expect(view.items.map((i) => i.upstreamUrl)).toEqual([undefined, 'https://cdn.example/h.png', undefined]);
  const page = batchLive(ctx, view).toString();
  expect(page).toContain('/console/jobs/b%2Ffox/image/0');
  expect(page).toContain('href="https://cdn.example/h.png"');
  expect(page).toContain('upstream URL (expires)');
  expect(page).not.toContain('/console/jobs/b%2Fhare/image/0');
  expect(page).not.toContain('javascript:');
});
