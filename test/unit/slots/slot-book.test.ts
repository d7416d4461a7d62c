import { slotManagerId, type SlotRequest } from '../../../src/workflows/slots/messages';
import { applyConfigChange, SlotBook, slotLimitsProblem } from '../../../src/workflows/slots/slot-book';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

function req(n: number, extra: Partial<SlotRequest> = {}): SlotRequest {
  return { workflowId: `job-${n}`, requestId: `run-${n}/job`, firstRunId: `run-${n}`, ...extra };
}

function ids(holders: { workflowId: string }[]): string[] {
  return holders.map((h) => h.workflowId);
}

describe('SlotBook', () => {
  test('grants in FIFO order up to the limit and again after a release', () => {
    const book = new SlotBook({ limit: 2 });
    for (let i = 1; i <= 4; i++) book.request(req(i), T0);
    expect(ids(book.takeGrants(T0))).toEqual(['job-1', 'job-2']);
    expect(book.takeGrants(T0)).toEqual([]);
    expect(book.blocked(T0)).toEqual({ by: 'limit' });

    expect(book.release({ workflowId: 'job-2', requestId: 'run-2/job' })).toBe('released');
    expect(ids(book.takeGrants(T0 + 1))).toEqual(['job-3']);
    expect(ids(book.waiting)).toEqual(['job-4']);
  });

  test('a repeated request keeps its place in the queue, or its slot and gets the grant again', () => {
    const book = new SlotBook({ limit: 1 });
    book.request(req(1), T0);
    book.request(req(2), T0);
    book.request(req(2), T0 + 5);
    expect(ids(book.waiting)).toEqual(['job-1', 'job-2']);
    expect(book.waiting[1].requestedAt).toBe(T0);
    const [first] = book.takeGrants(T0);

    book.request(req(1), T0 + 10);
    const again = book.takeGrants(T0 + 10);
    expect(again).toEqual([first]);
    expect(book.totals.granted).toBe(1);
  });

  test('releasing twice, or something unknown, is harmless; a waiting request is withdrawn', () => {
    const book = new SlotBook({ limit: 1 });
    book.request(req(1), T0);
    book.request(req(2), T0);
    book.takeGrants(T0);
    const rel = { workflowId: 'job-1', requestId: 'run-1/job' };
    expect(book.release(rel)).toBe('released');
    expect(book.release(rel)).toBe('unknown');
    expect(book.release({ workflowId: 'job-2', requestId: 'run-2/job' })).toBe('withdrawn');
    expect(book.release({ workflowId: 'nobody', requestId: 'x' })).toBe('unknown');
    expect(book.takeGrants(T0)).toEqual([]);
    expect(book.totals).toEqual({ granted: 1, released: 1, reclaimed: 0 });
  });

  test('a resumed holder gets its slot at once, over the limit, without counting toward cap or spacing', () => {
    const book = new SlotBook({ limit: 1, dailyCap: 1, minSpacing: '1m' });
    book.request(req(1), T0);
    book.takeGrants(T0);
    book.request(req(2, { resume: true }), T0 + 1);
    expect(ids(book.takeGrants(T0 + 1))).toEqual(['job-2']);
    expect(book.holders.size).toBe(2);
    expect(book.snapshot(T0 + 1, 'a', 'FAST').grantedToday).toBe(1);
  });

  test('reclaim frees only the lease it was told about', () => {
    const book = new SlotBook({ limit: 1 });
    book.request(req(1), T0);
    const [h] = book.takeGrants(T0);
    expect(book.reclaim({ ...h, lease: h.lease + 1 })).toBe(false);
    expect(book.reclaim(h)).toBe(true);
    expect(book.reclaim(h)).toBe(false);
    expect(book.totals).toEqual({ granted: 1, released: 0, reclaimed: 1 });
  });

  test('the daily cap holds requests until the next UTC day', () => {
    const book = new SlotBook({ limit: 10, dailyCap: 2 });
    for (let i = 1; i <= 3; i++) book.request(req(i), T0);
    expect(book.takeGrants(T0)).toHaveLength(2);
    const nextDay = Math.floor(T0 / DAY) * DAY + DAY;
    expect(book.blocked(T0)).toEqual({ by: 'daily-cap', until: nextDay });
    expect(book.takeGrants(nextDay - 1)).toEqual([]);
    expect(ids(book.takeGrants(nextDay))).toEqual(['job-3']);
    expect(book.snapshot(nextDay, 'a', 'FAST')).toMatchObject({ day: '2026-01-11', grantedToday: 1 });
  });

  test('minimum spacing and a cool-down delay grants; the latest gate decides', () => {
    const book = new SlotBook({ limit: 10, minSpacing: '30s' });
    for (let i = 1; i <= 3; i++) book.request(req(i), T0);
    expect(book.takeGrants(T0)).toHaveLength(1);
    expect(book.blocked(T0)).toEqual({ by: 'spacing', until: T0 + 30_000 });
    book.coolDown(T0, 60_000);
    expect(book.blocked(T0)).toEqual({ by: 'cool-down', until: T0 + 60_000 });
    expect(book.takeGrants(T0 + 59_999)).toEqual([]);
    expect(book.takeGrants(T0 + 60_000)).toHaveLength(1);
    expect(book.blocked(T0 + 60_000)).toEqual({ by: 'spacing', until: T0 + 90_000 });
  });

  test('cool-down uses a default without Retry-After, is capped, and never shortens', () => {
    const book = new SlotBook({ limit: 1 });
    book.request(req(1), T0);
    book.coolDown(T0);
    expect(book.blocked(T0)).toEqual({ by: 'cool-down', until: T0 + 30_000 });
    book.coolDown(T0, 5_000);
    expect(book.blocked(T0)?.until).toBe(T0 + 30_000);
    book.coolDown(T0, 3_600_000);
    expect(book.blocked(T0)?.until).toBe(T0 + 600_000);
  });

  test('follows limits of requests until an operator pins them', () => {
    const book = new SlotBook({ limit: 1 });
    book.request(req(1, { limits: { limit: 4, minSpacing: '5s' } }), T0);
    expect(book.limits).toEqual({ limit: 4, minSpacing: '5s' });
    book.request(req(2, { limits: { limit: 0 } }), T0);
    expect(book.limits.limit).toBe(4);

    expect(book.configureProblem({ limit: 1000 })).toMatchObject({
      field: 'limit',
      rule: 'range',
      message: expect.stringMatching(/from 1 to 100/),
    });
    expect(book.configure({ limit: 2, minSpacing: null, dailyCap: 50 })).toEqual({ limit: 2, dailyCap: 50 });
    book.request(req(3, { limits: { limit: 9 } }), T0);
    expect(book.limits).toEqual({ limit: 2, dailyCap: 50 });
    book.configure({ pin: false });
    book.request(req(4, { limits: { limit: 9 } }), T0);
    expect(book.limits).toEqual({ limit: 9 });
  });

  test('a continue-as-new carry keeps queue, holders, resends, counters and limits', () => {
    const book = new SlotBook({ limit: 1, dailyCap: 5, minSpacing: '10s' });
    book.request(req(1), T0);
    book.request(req(2), T0);
    book.takeGrants(T0);
    book.request(req(1), T0 + 1);
    const next = new SlotBook({ limit: 99 }, JSON.parse(JSON.stringify(book.toCarry())));
    expect(next.limits).toEqual({ limit: 1, dailyCap: 5, minSpacing: '10s' });
    expect(next.generation).toBe(1);
    expect(ids(next.takeGrants(T0 + 1))).toEqual(['job-1']);
    expect(ids(next.waiting)).toEqual(['job-2']);
    expect(next.snapshot(T0 + 1, 'a', 'FAST')).toMatchObject({
      grantedToday: 1,
      blocked: { by: 'limit' },
      totals: { granted: 1, released: 0, reclaimed: 0 },
    });
    next.release({ workflowId: 'job-1', requestId: 'run-1/job' });
    expect(next.blocked(T0 + 1)).toEqual({ by: 'spacing', until: T0 + 10_000 });
  });

  test('a workflow id reused by another execution chain is another holder', () => {
    const book = new SlotBook({ limit: 1 });
    book.request(req(1), T0);
    book.takeGrants(T0);
    book.request({ workflowId: 'job-1', requestId: 'run-9/job', firstRunId: 'run-9' }, T0);
    expect(book.takeGrants(T0)).toEqual([]);
    expect(book.waiting).toHaveLength(1);
  });
});

describe('slot limits', () => {
  test.each([
    [{ limit: 3 }, null],
    [{ limit: 12, dailyCap: 200, minSpacing: '20s' }, null],
    [{ limit: 0 }, /integer from 1 to 100/],
    [{ limit: 1.5 }, /integer/],
    [{ limit: 101 }, /1 to 100/],
    [{ limit: 1, dailyCap: 0 }, /dailyCap/],
    [{ limit: 1, minSpacing: '20 seconds' }, /minSpacing/],
    [{ limit: 1, minSpacing: '2d' }, /at most 1d/],
  ] as const)('%j', (limits, expected) => {
    const problem = slotLimitsProblem(limits as never);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem?.message).toMatch(expected);
  });

  test('config changes: omitted fields stay, null clears', () => {
    const cur = { limit: 3, dailyCap: 10, minSpacing: '5s' as const };
    expect(applyConfigChange(cur, {})).toEqual(cur);
    expect(applyConfigChange(cur, { dailyCap: null, limit: 4 })).toEqual({ limit: 4, minSpacing: '5s' });
  });

  test('manager ids are deterministic per account and mode', () => {
    expect(slotManagerId('pro-1', 'FAST')).toBe('mj-slots-pro-1-fast');
    expect(slotManagerId('pro-1', 'RELAX')).not.toBe(slotManagerId('pro-1', 'FAST'));
  });
});
