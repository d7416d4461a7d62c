import { FaultPlan, parseFaultRule } from '../../../src/simulator/faults';
import { SeededRandom } from '../../../src/simulator/random';

const site = { endpoint: 'submit/imagine', state: 's1', taskIds: ['123'] };

describe('FaultPlan', () => {
  it('fires a rule `times` times, then stops, and counts what it injected', () => {
    const plan = new FaultPlan(new SeededRandom(1));
    plan.add({ kind: '5xx', times: 2 });
    expect(plan.take(['5xx'], site)?.kind).toBe('5xx');
    expect(plan.take(['5xx'], site)?.kind).toBe('5xx');
    expect(plan.take(['5xx'], site)).toBeUndefined();
    expect(plan.counts()).toEqual({ '5xx': 2 });
  });

  it('matches endpoint patterns, state and task id', () => {
    const plan = new FaultPlan(new SeededRandom(1));
    plan.add({ kind: 'queue-full', endpoint: 'submit/*', match: { state: 'other' } });
    plan.add({ kind: 'slow', endpoint: 'task/fetch', match: { taskId: '123' }, times: Infinity });
    expect(plan.take(['queue-full'], site)).toBeUndefined();
    expect(plan.take(['slow'], site)).toBeUndefined();
    expect(plan.take(['slow'], { endpoint: 'task/fetch', taskIds: ['999'] })).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(plan.take(['slow'], { endpoint: 'task/fetch', taskIds: ['123'] })).toBeDefined();
  });

  it('keeps kinds in their scope: a webhook fault never fires on a submit', () => {
    const plan = new FaultPlan(new SeededRandom(1));
    plan.add({ kind: 'webhook-lose' });
    expect(plan.take(['webhook-lose'], site)).toBeUndefined();
    expect(plan.take(['webhook-lose'], { endpoint: 'webhook', taskIds: ['1'] })).toBeDefined();
  });

  it('samples probability from the seeded RNG, so a seed repeats the same pattern', () => {
    const pattern = (seed: number) => {
      const plan = new FaultPlan(new SeededRandom(seed));
      plan.add({ kind: '5xx', probability: 0.5, times: Infinity });
      return Array.from({ length: 32 }, () => (plan.take(['5xx'], site) ? 1 : 0)).join('');
    };
    expect(pattern(7)).toBe(pattern(7));
    expect(pattern(7)).not.toBe(pattern(8));
    expect(pattern(7)).toMatch(/1/);
    expect(pattern(7)).toMatch(/0/);
  });

  it('removes and clears rules', () => {
    const plan = new FaultPlan(new SeededRandom(1));
    const id = plan.add({ kind: '5xx' });
    expect(plan.remove(id)).toBe(true);
    expect(plan.take(['5xx'], site)).toBeUndefined();
    plan.add({ kind: '5xx' });
    plan.clear();
    expect(plan.list()).toEqual([]);
  });
});

describe('parseFaultRule', () => {
  it('accepts "Infinity" from JSON', () => {
    expect(parseFaultRule({ kind: '429', times: 'Infinity', retryAfterSeconds: 3 }).times).toBe(Infinity);
  });
  it('lists every problem of a bad rule', () => {
    expect(() => parseFaultRule({ kind: 'meteor', probability: 2 })).toThrow(/kind.*probability|probability.*kind/s);
    expect(() => parseFaultRule({ kind: '5xx', colour: 'red' })).toThrow(TypeError);
  });
});
