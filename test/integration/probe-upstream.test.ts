/**
 * The pool's probe of a down upstream (`probeUpstream`): over loopback HTTP against the simulator of every flavour,
 * a proxy that answers (even "not found") is up; one that refuses the connection is down; nothing is submitted.
 */
import { MjClient, type MjFlavour } from '../../src/mj';
import { probeUpstream } from '../../src/activities/probe-upstream';
import { startSimulator } from '../../src/simulator';

const FLAVOURS: MjFlavour[] = ['novicezk', 'plus', 'trueai', 'gateway'];

test.each(FLAVOURS)('a %s proxy that answers is up, and down once it is gone; nothing submitted', async (flavour) => {
  const sim = await startSimulator({ flavour, seed: 5 });
  const mj = new MjClient({ baseUrl: sim.url, flavour, timeoutMs: 5_000 });
  try {
    expect(await probeUpstream(mj)).toBe('up');
    expect(sim.stats().submitsByEndpoint).toEqual({});
    await sim.close();
    expect(await probeUpstream(mj)).toBe('down');
  } finally {
    await mj.close();
    await sim.close().catch(() => undefined);
  }
});
