/** `InFlight`: what a close waits for (the gateway's requests, the simulator's deliveries, the console test server). */
import { InFlight } from '../../src/in-flight';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('InFlight', () => {
  it('settles once all work is done, work tracked meanwhile included; a rejection is only forgotten', async () => {
    const w = new InFlight();
    const a = deferred();
    const b = deferred();
    w.track(a.promise);
    let done = false;
    const settled = w.settled().then(() => (done = true));
    w.track(b.promise);
    a.reject(new Error('request failed'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    expect(w.size).toBe(1);
    b.resolve();
    await settled;
    expect(w.size).toBe(0);
  });

  it('with a limit, stops waiting for work that does not end', async () => {
    const w = new InFlight();
    w.track(new Promise<void>(() => undefined));
    await w.settled(10);
    expect(w.size).toBe(1);
  });
});
