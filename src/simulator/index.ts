/**
 * A faithful midjourney-proxy simulator on a real loopback HTTP server: novicezk, plus, trueai and new-api-style
 * gateway flavours, durable task states on a simulated clock, real buttons, MODAL flows, webhooks, expiring
 * images, scripted outcomes and fault injection. Used for dry runs, tests, the benchmark and the offline demo.
 * What it imitates is docs/mj-contract.md; "contract §N" in this folder's comments is that file's section N.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const sim = await startSimulator({ flavour: 'trueai', clock, seed: 1 });
 * // POST `${sim.url}/mj/submit/imagine` {prompt: 'a cat'} → {code: 1, result: '<id>'}
 * clock.advance(60_000); // the job is now SUCCESS
 * await sim.close();
 * ```
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock, ScaledClock, type SimClock } from './clock';
import { SimCore, type SimStats } from './core';
import type { FaultPlan } from './faults';
import type { MjFlavour } from '../mj/terms/flavours';
import { resolveOptions, type SimulatorOptions } from './options';
import { SimStateError, StateFile } from './persistence';
import { RequestRouter, send } from './server';

export { ManualClock, ScaledClock, MANUAL_CLOCK_START, type SimClock, type SimTimer } from './clock';
export type { RequestRecord, SimStats } from './core';
export { FAULT_KINDS, FaultPlan, type FaultKind, type FaultRule, type FaultRuleState } from './faults';
export {
  DEFAULT_BANNED_WORDS,
  DEFAULT_DURATIONS,
  type ModeDurations,
  type SimDefaultVersion,
  type SimulatorOptions,
} from './options';
export { SIM_FAIL_KINDS, type SimFailKind } from './prompt';
export { SimStateError } from './persistence';

/** A running simulator. */
export interface Simulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly flavour: MjFlavour;
  /** Scripted faults: `faults.add(rule)` returns an id; `faults.clear()`. */
  readonly faults: FaultPlan;
  readonly clock: SimClock;
  /** Stops timers, webhooks and the server; open connections are closed. */
  close(): Promise<void>;
  /** Forgets tasks, counters, uploads and faults (the clock keeps running). */
  reset(): void;
  stats(): SimStats;
  /** The task JSON the flavour's fetch would return, or undefined. */
  task(id: string): unknown;
  /** Every task, newest first, as the flavour renders it. */
  tasks(): unknown[];
  /** Jumps a task to SUCCESS now (buttons, image, webhook). Throws for an unknown id; no-op when already finished. */
  completeNow(id: string): void;
  /** Resolves when every webhook queued so far has been delivered or has failed. */
  webhooksIdle(): Promise<void>;
}

/** Starts a simulator and resolves once it listens. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const state = opts.stateFile ? new StateFile(opts.stateFile) : undefined;
  const saved = state?.load();
  const resolved = resolveOptions(opts, saved?.clockNow);
  if (saved && saved.flavour !== resolved.flavour) {
    throw new SimStateError(
      state!.file,
      `holds a ${saved.flavour} simulator, not ${resolved.flavour}; start it as ${saved.flavour} or use another file`
    );
  }
  // A caller's manual clock is moved up to the saved time; time never runs backwards for the resumed tasks.
  if (saved && resolved.clock instanceof ManualClock && resolved.clock.now() < saved.clockNow) {
    resolved.clock.advanceTo(saved.clockNow);
  }
  const core = new SimCore(resolved, state, saved);
  const router = new RequestRouter(core);
  const server: Server = createServer((req, res) => {
    router.handle(req, res).catch((err: unknown) => {
      // A bug in a handler must answer 500, never crash the process or leave the client hanging.
      send(res, { status: 500, json: { error: 'simulator internal error', message: (err as Error)?.message } });
    });
  });
  // Clients under test often keep sockets alive; a short idle timeout keeps close() quick.
  server.keepAliveTimeout = 2_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host}:${port}`;
  core.baseUrl = url;
  let closed: Promise<void> | undefined;

  return {
    url,
    flavour: resolved.flavour,
    faults: core.faults,
    clock: resolved.clock,
    close() {
      closed ??= (async () => {
        router.close();
        await core.close();
        // Only a clock made here is ours to stop; a caller's clock may be shared.
        if (!opts.clock && resolved.clock instanceof ScaledClock) resolved.clock.dispose();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closed;
    },
    reset: () => core.reset(),
    stats: () => core.stats(),
    task: (id) => core.view(id),
    tasks: () => core.views(),
    completeNow(id) {
      if (!core.engine.get(id)) throw new Error(`completeNow: no task ${id}`);
      core.engine.completeNow(id);
    },
    webhooksIdle: () => core.notifier.idle(),
  };
}
