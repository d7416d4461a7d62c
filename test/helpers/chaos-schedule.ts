/**
 * The moving parts every chaos test shares: worker processes in numbered slots that are SIGKILLed and replaced, and a
 * seeded timeline of kills and Temporal server restarts across the chaos window.
 */
import type { SeededRandom } from '../../src/simulator/random';
import type { RestartableDevServer } from './chaos-temporal';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessConfig } from './worker-process';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Worker processes in fixed slots; every process ever started is kept, so teardown kills them all. */
export class WorkerSlots {
  readonly all: WorkerProcess[] = [];
  slots: Promise<WorkerProcess>[] = [];

  constructor(private readonly config: () => WorkerProcessConfig) {}

  /** Starts `n` slots and resolves once each polls. */
  async start(n: number): Promise<void> {
    this.slots = Array.from({ length: n }, () => this.respawn());
    await Promise.all(this.slots);
  }

  /** A new worker process, once it polls; retried while the server is down (its connect fails, and it exits). */
  async respawn(): Promise<WorkerProcess> {
    for (let attempt = 1; ; attempt++) {
      const w = startWorkerProcess(this.config());
      this.all.push(w);
      try {
        await w.ready;
        return w;
      } catch (err) {
        if (attempt >= 10) throw err;
        await sleep(1_000);
      }
    }
  }

  /** SIGKILLs the worker in `slot` and brings a new one up there after `pauseMs`. */
  async kill(slot: number, pauseMs: number): Promise<WorkerProcess> {
    const victim = await this.slots[slot]!;
    const how = await victim.kill('SIGKILL');
    if (how !== 'SIGKILL') throw new Error(`worker ${slot} ended ${String(how)}, not by SIGKILL`);
    this.slots[slot] = sleep(pauseMs).then(() => this.respawn());
    return victim;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.all.map((w) => w.kill('SIGKILL')));
  }
}

/** Seeded moments in the chaos window and a log of what happened when. */
export class ChaosTimeline {
  readonly started = Date.now();
  readonly events: string[] = [];

  constructor(
    readonly rng: SeededRandom,
    private readonly windowMs: number
  ) {}

  /** Seconds since the start, for the log. */
  at(): string {
    return `${((Date.now() - this.started) / 1_000).toFixed(1)}s`;
  }

  /** `k` sorted offsets (ms) in [from, window). */
  moments(k: number, from: number): number[] {
    return Array.from({ length: k }, () => from + this.rng.int(this.windowMs - from)).sort((a, b) => a - b);
  }

  until(offset: number): Promise<void> {
    return sleep(Math.max(0, this.started + offset - Date.now()));
  }

  /** `kills` worker kills at seeded moments after 1.5 s; `onKill` runs before each. Resolves with the count. */
  async killWorkers(workers: WorkerSlots, kills: number, onKill: () => void = () => undefined): Promise<number> {
    let done = 0;
    for (const offset of this.moments(kills, 1_500)) {
      await this.until(offset);
      const slot = this.rng.int(workers.slots.length);
      onKill();
      const victim = await workers.kill(slot, this.rng.int(1_500));
      done++;
      this.events.push(`${this.at()} kill -9 worker ${slot} (pid ${victim.child.pid})`);
    }
    return done;
  }

  /** `restarts` SIGKILLs of the Temporal server at seeded moments after 4 s, each down 0.3–2 s. */
  async restartServer(
    server: RestartableDevServer,
    restarts: number,
    onRestart: () => void = () => undefined
  ): Promise<void> {
    for (const offset of this.moments(restarts, 4_000)) {
      await this.until(offset);
      const downMs = 300 + this.rng.int(1_700);
      onRestart();
      const t = this.at();
      await server.restart({ signal: 'SIGKILL', downMs });
      this.events.push(`${t} kill -9 Temporal server, back ${this.at()} (down ${downMs} ms + startup)`);
    }
  }
}
