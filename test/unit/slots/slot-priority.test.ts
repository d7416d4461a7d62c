import { SLOT_RESERVED_FOR_INTERACTIVE } from '../../../src/shared/defaults';
import { batchSlotLimit, jobSlotPriority, reservedForInteractive } from '../../../src/shared/slot-priority';
import type { SlotRequest } from '../../../src/workflows/slots/messages';
import { applyConfigChange, SlotBook, slotLimitsProblem } from '../../../src/workflows/slots/slot-book';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

function person(n: number): SlotRequest {
  return { workflowId: `press-${n}`, requestId: `run-p${n}/job`, firstRunId: `run-p${n}` };
}

function item(n: number): SlotRequest {
  return { workflowId: `batch/item-${n}`, requestId: `run-b${n}/job`, firstRunId: `run-b${n}`, priority: 'batch' };
}

function ids(holders: { workflowId: string }[]): string[] {
  return holders.map((h) => h.workflowId);
}

const prioritised = { prioritised: true };

describe('SlotBook with interactive priority', () => {
  test('a person waiting behind batch items is granted first when a slot frees up', () => {
    const book = new SlotBook({ limit: 3, reservedForInteractive: 0 }, undefined, prioritised);
    for (let i = 1; i <= 5; i++) book.request(item(i), T0);
    expect(ids(book.takeGrants(T0))).toEqual(['batch/item-1', 'batch/item-2', 'batch/item-3']);
    book.request(person(1), T0 + 1);
    expect(book.takeGrants(T0 + 1)).toEqual([]);
    expect(book.blocked(T0 + 1)).toEqual({ by: 'limit' });

    book.release({ workflowId: 'batch/item-1', requestId: 'run-b1/job' });
    expect(ids(book.takeGrants(T0 + 2))).toEqual(['press-1']);
    book.release({ workflowId: 'batch/item-2', requestId: 'run-b2/job' });
    expect(ids(book.takeGrants(T0 + 3))).toEqual(['batch/item-4']);
  });

  test('the reserved share is never given to batch work, and a person takes it at once', () => {
    const book = new SlotBook({ limit: 4, reservedForInteractive: 1 }, undefined, prioritised);
    for (let i = 1; i <= 6; i++) book.request(item(i), T0);
    expect(ids(book.takeGrants(T0))).toEqual(['batch/item-1', 'batch/item-2', 'batch/item-3']);
    expect(book.blocked(T0)).toEqual({ by: 'interactive-share' });

    book.request(person(1), T0 + 1);
    expect(ids(book.takeGrants(T0 + 1))).toEqual(['press-1']);
    expect(book.holders.get(JSON.stringify(['press-1', 'run-p1/job']))?.priority).toBeUndefined();
    expect(book.blocked(T0 + 1)).toEqual({ by: 'limit' });
  });

  test('people share every slot: interactive requests may use the batch share too', () => {
    const book = new SlotBook({ limit: 3, reservedForInteractive: 2 }, undefined, prioritised);
    book.request(item(1), T0);
    book.request(item(2), T0);
    for (let i = 1; i <= 3; i++) book.request(person(i), T0);
    expect(ids(book.takeGrants(T0))).toEqual(['press-1', 'press-2', 'press-3']);
    book.release({ workflowId: 'press-1', requestId: 'run-p1/job' });
    expect(ids(book.takeGrants(T0 + 1))).toEqual(['batch/item-1']);
  });

  test('batch work is not starved: with nobody else waiting it runs up to its share, in its own order', () => {
    const book = new SlotBook({ limit: 12 }, undefined, prioritised);
    for (let i = 1; i <= 20; i++) book.request(item(i), T0);
    const granted = ids(book.takeGrants(T0));
    expect(granted).toHaveLength(12 - SLOT_RESERVED_FOR_INTERACTIVE);
    expect(granted).toEqual(Array.from({ length: granted.length }, (_, i) => `batch/item-${i + 1}`));
    book.release({ workflowId: 'batch/item-1', requestId: 'run-b1/job' });
    expect(ids(book.takeGrants(T0 + 1))).toEqual([`batch/item-${granted.length + 1}`]);
  });

  test('a batch alone on a one-slot account still runs (the default share is capped at limit - 1)', () => {
    const book = new SlotBook({ limit: 1 }, undefined, prioritised);
    book.request(item(1), T0);
    expect(ids(book.takeGrants(T0))).toEqual(['batch/item-1']);
  });

  test('interactive requests keep first-come order among themselves, and gates still apply to them', () => {
    const book = new SlotBook({ limit: 5, minSpacing: '10s' }, undefined, prioritised);
    book.request(item(1), T0);
    book.request(person(1), T0);
    book.request(person(2), T0);
    expect(ids(book.takeGrants(T0))).toEqual(['press-1']);
    expect(book.blocked(T0)).toEqual({ by: 'spacing', until: T0 + 10_000 });
    expect(ids(book.takeGrants(T0 + 10_000))).toEqual(['press-2']);
    expect(ids(book.takeGrants(T0 + 20_000))).toEqual(['batch/item-1']);
  });

  test('without the rule (a manager recorded before it) the queue stays first come, first served', () => {
    const book = new SlotBook({ limit: 2, reservedForInteractive: 1 });
    book.request(item(1), T0);
    book.request(item(2), T0);
    book.request(item(3), T0);
    book.request(person(1), T0);
    expect(ids(book.takeGrants(T0))).toEqual(['batch/item-1', 'batch/item-2']);
    book.release({ workflowId: 'batch/item-1', requestId: 'run-b1/job' });
    expect(ids(book.takeGrants(T0 + 1))).toEqual(['batch/item-3']);
  });

  test('the snapshot and the carry keep each request’s priority', () => {
    const book = new SlotBook({ limit: 1 }, undefined, prioritised);
    book.request(item(1), T0);
    book.request(item(2), T0);
    book.takeGrants(T0);
    book.request(person(1), T0);
    const snap = book.snapshot(T0, 'acct', 'FAST');
    expect(snap.holders.map((h) => h.priority)).toEqual(['batch']);
    expect(snap.waiting.map((w) => [w.workflowId, w.priority])).toEqual([
      ['batch/item-2', 'batch'],
      ['press-1', undefined],
    ]);
    const next = new SlotBook({ limit: 1 }, book.toCarry(), prioritised);
    next.release({ workflowId: 'batch/item-1', requestId: 'run-b1/job' });
    expect(ids(next.takeGrants(T0 + 1))).toEqual(['press-1']);
  });
});

describe('reservedForInteractive', () => {
  test('must be an integer below the limit, naming the field', () => {
    expect(slotLimitsProblem({ limit: 3, reservedForInteractive: 3 })).toMatchObject({
      field: 'reservedForInteractive',
      rule: 'range',
    });
    expect(slotLimitsProblem({ limit: 3, reservedForInteractive: -1 })?.field).toBe('reservedForInteractive');
    expect(slotLimitsProblem({ limit: 3, reservedForInteractive: 1.5 })?.field).toBe('reservedForInteractive');
    expect(slotLimitsProblem({ limit: 3, reservedForInteractive: 2 })).toBeNull();
  });

  test('is changed and cleared like the other optional limits', () => {
    const set = applyConfigChange({ limit: 4 }, { reservedForInteractive: 2 });
    expect(set).toEqual({ limit: 4, reservedForInteractive: 2 });
    expect(applyConfigChange(set, { reservedForInteractive: null })).toEqual({ limit: 4 });
  });

  test('defaults to SLOT_RESERVED_FOR_INTERACTIVE, capped at limit - 1', () => {
    expect(reservedForInteractive({ limit: 12 })).toBe(SLOT_RESERVED_FOR_INTERACTIVE);
    expect(reservedForInteractive({ limit: 1 })).toBe(0);
    expect(batchSlotLimit({ limit: 12, reservedForInteractive: 4 })).toBe(8);
  });
});

describe('jobSlotPriority', () => {
  test('a batch’s job is batch work, any other job is interactive, and a named priority wins', () => {
    expect(jobSlotPriority({})).toBe('interactive');
    expect(jobSlotPriority({ costTags: { pipelineId: 'p' } })).toBe('interactive');
    expect(jobSlotPriority({ costTags: { batchId: 'b' } })).toBe('batch');
    expect(jobSlotPriority({ lineage: { batchId: 'b', batchItemId: 'i' } })).toBe('batch');
    expect(jobSlotPriority({ costTags: { batchId: 'b' }, priority: 'interactive' })).toBe('interactive');
  });
});
