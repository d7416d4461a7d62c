import { ManualClock, MANUAL_CLOCK_START, ScaledClock } from '../../../src/simulator/clock';

describe('ManualClock', () => {
  it('starts at a fixed instant so seeded runs repeat', () => {
    expect(new ManualClock().now()).toBe(MANUAL_CLOCK_START);
    expect(new ManualClock(42).now()).toBe(42);
  });

  it('fires due timers in time order, ties in the order they were set', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('c'));
    clock.setTimer(10, () => fired.push('a'));
    clock.setTimer(10, () => fired.push('b'));
    clock.setTimer(31, () => fired.push('late'));
    clock.advance(30);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('runs timers scheduled by callbacks inside the same advance, at their own time', () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.setTimer(5, () => {
      seen.push(clock.now());
      clock.setTimer(5, () => seen.push(clock.now()));
    });
    clock.advance(100);
    expect(seen).toEqual([5, 10]);
    expect(clock.now()).toBe(100);
  });

  it('skips cancelled timers and refuses to go backwards', () => {
    const clock = new ManualClock(0);
    const fn = jest.fn();
    clock.setTimer(1, fn).cancel();
    clock.advance(10);
    expect(fn).not.toHaveBeenCalled();
    expect(() => clock.advance(-1)).toThrow(TypeError);
    clock.advanceTo(5);
    expect(clock.now()).toBe(10);
  });

  it('stops a runaway loop of self-arming timers instead of hanging', () => {
    const clock = new ManualClock(0);
    const rearm = (): void => void clock.setTimer(0, rearm);
    rearm();
    expect(() => clock.advance(1)).toThrow(/1,000,000/);
  });
});

describe('ScaledClock', () => {
  it('runs simulated time faster by timeScale and scales timer delays down', async () => {
    const clock = new ScaledClock(1000, 0);
    const started = Date.now();
    const simAt = await new Promise<number>((resolve) => clock.setTimer(50_000, () => resolve(clock.now())));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(simAt).toBeGreaterThanOrEqual(45_000);
    clock.dispose();
  });

  it('rejects a non-positive scale', () => {
    expect(() => new ScaledClock(0)).toThrow(TypeError);
  });

  it('dispose() cancels pending timers', async () => {
    const clock = new ScaledClock(1);
    const fn = jest.fn();
    clock.setTimer(20, fn);
    clock.dispose();
    await new Promise((r) => setTimeout(r, 40));
    expect(fn).not.toHaveBeenCalled();
  });
});
