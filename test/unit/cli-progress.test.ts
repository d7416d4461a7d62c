/** The CLI's live progress: one line per batch, redrawn in place on a TTY and printed periodically elsewhere. */
import type { JobStatus } from '../../src/client';
import { describeStatus } from '../../src/cli/output';
import { LiveView, PERIODIC_LINE_MS, rowsFor } from '../../src/cli/progress';
import type { BatchProgress } from '../../src/shared/pipeline-types';

const T0 = Date.UTC(2026, 11, 5, 1, 0, 0);
const MIN = 60_000;

function batchStatus(counts: Partial<BatchProgress>, executionStatus = 'RUNNING'): JobStatus {
  const c = { pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, ...counts };
  const total = c.pending + c.running + c.succeeded + c.failed + c.cancelled;
  const items = Array.from({ length: total }, (_, i) => ({
    id: `item-${i + 1}`,
    status: 'running' as const,
    jobId: `mj-batch-n/item-${i + 1}`,
  }));
  const progress: BatchProgress = {
    batchId: 'mj-batch-n',
    done: false,
    total,
    maxRunningPerGroup: 0,
    groups: [],
    items,
    ...c,
  };
  return { kind: 'batch', jobId: 'mj-batch-n', executionStatus, progress, startedAt: T0 };
}

class Sink {
  text = '';
  constructor(readonly isTTY: boolean) {}
  readonly columns = 200;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('batch progress in the CLI', () => {
  test('a batch of any size is one row: counts, rate and ETA', () => {
    const rows = rowsFor(batchStatus({ succeeded: 38, failed: 2, running: 4, pending: 56 }), new Map(), T0 + 10 * MIN);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      label: 'mj-batch-n',
      pct: 40,
      state: '38/100 done · 2 failed · 4 running · 56 waiting · 4.0/min · ETA 15m 00s',
    });
  });

  test('describeStatus prints the same line', () => {
    const text = describeStatus(batchStatus({ succeeded: 1, running: 1 }));
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toMatch(/mj-batch-n: 1\/2 done · 0 failed · 1 running · 0 waiting · [\d.]+\/min · ETA \S/);
  });

  test('on a TTY the one line is redrawn in place', () => {
    const out = new Sink(true);
    const view = new LiveView(out, { now: () => T0 });
    view.render(rowsFor(batchStatus({ running: 2, pending: 2 }), new Map(), T0 + MIN));
    view.render(rowsFor(batchStatus({ succeeded: 1, running: 2, pending: 1 }), new Map(), T0 + 2 * MIN));
    const frames = out.text.split('\r\x1b[1A');
    expect(frames).toHaveLength(2);
    expect(out.text.match(/\n/g)).toHaveLength(2);
    expect(frames[1]).toContain('1/4 done · 0 failed · 2 running · 1 waiting · 0.5/min · ETA 6m 00s');
  });

  test('off a TTY the line is printed at most every PERIODIC_LINE_MS, and once more at the end', () => {
    const out = new Sink(false);
    let now = T0;
    const view = new LiveView(out, { now: () => now });
    const draw = (done: number, final = false) =>
      view.render(rowsFor(batchStatus({ succeeded: done, pending: 10 - done }), new Map(), now), final);
    draw(0);
    for (let s = 1; s <= 5; s++) {
      now = T0 + s * 1000;
      draw(s);
    }
    now = T0 + PERIODIC_LINE_MS;
    draw(6);
    now += 1000;
    draw(10, true);
    const lines = out.text.trimEnd().split('\n');
    expect(lines.map((l) => l.match(/(\d+)\/10 done/)?.[1])).toEqual(['0', '6', '10']);
  });
});
