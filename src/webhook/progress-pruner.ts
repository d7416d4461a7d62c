/**
 * Keeps the progress directory from growing without end: one file per upstream task would otherwise stay forever
 * (about 200 bytes and an inode each, so a busy service gathers millions). The receiver prunes on start and then every
 * `intervalMs`; entries older than `retentionMs` matter to nobody, since readers lay an entry only over a job that is
 * still open and a job's own safety-net fetch (≤ 10 min) is newer than any delivery that old.
 */
import path from 'node:path';
import type { Logger } from '../logger';
import { durationToMs, type Duration } from '../shared/duration';
import { DirProgressStore } from './progress-store';

export interface ProgressPrunerOptions {
  /** Entries untouched this long are removed (`MJ_PROGRESS_RETENTION`). @unit ms */
  retentionMs: number;
  /** Time between sweeps. @unit ms @default retentionMs / 24, between 1 min and 1 h */
  intervalMs?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

export interface ProgressPruner {
  /** The sweep in progress, or the last one (tests await it). */
  readonly lastSweep: Promise<void>;
  stop(): void;
}

export function startProgressPruning(store: DirProgressStore, opts: ProgressPrunerOptions): ProgressPruner {
  const intervalMs = opts.intervalMs ?? Math.min(3_600_000, Math.max(60_000, Math.round(opts.retentionMs / 24)));
  let running: Promise<void> = Promise.resolve();
  const sweep = (): void => {
    // One sweep at a time: a slow disk must not stack them.
    running = running.then(async () => {
      try {
        const { removed, kept } = await store.prune(opts.retentionMs);
        if (removed > 0) opts.log?.info({ removed, kept, dir: store.dir }, 'progress entries pruned');
      } catch (err) {
        opts.log?.warn({ err: String(err), dir: store.dir }, 'progress prune failed; trying again later');
      }
    });
  };
  sweep();
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return {
    get lastSweep() {
      return running;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * The receiver's progress store from config (`MJ_PROGRESS_DIR`, `off` = none), pruned from now on: one wiring for
 * `npm start` and the receiver's own process. `stop` ends the pruning (the store itself needs no closing).
 */
export function openProgressStore(
  progress: { dir: string | undefined; retention: Duration },
  log?: ProgressPrunerOptions['log']
): { store: DirProgressStore | undefined; stop(): void } {
  if (progress.dir === undefined) return { store: undefined, stop: () => undefined };
  const store = new DirProgressStore(path.resolve(progress.dir));
  const pruner = startProgressPruning(store, { retentionMs: durationToMs(progress.retention), log });
  return { store, stop: () => pruner.stop() };
}
