/**
 * Progress kept beside the workflow. A progress-only webhook (SUBMITTED, IN_PROGRESS 15 %, 31 % …) changes nothing a
 * job acts on, so the receiver writes it here instead of signalling: a signal costs the job a signal event and a
 * workflow task (four history events) for a number only readers want. Readers (the client's `progress`/`status`, the
 * gateway's `progress` field, the console) lay the newest entry over what the workflow last confirmed.
 *
 * The data is display-only and best effort: the workflow's own fetch stays the truth, a lost or stale entry only
 * shows an older percentage until the next fetch. Keyed by upstream task id, so the receiver stores a delivery
 * without a Temporal call and readers find it from the task id they already hold.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseProgress } from '../mj/terms/progress';
import { progressRank } from '../workflows/job/poll';
import type { TaskStatus } from '../mj/types';

/** One webhook's news about a task. */
export interface ProgressEntry {
  taskId: string;
  status: string | undefined;
  /** The proxy's text, e.g. `'31%'`. */
  progress: string | undefined;
  progressPct: number | null;
  /** Epoch ms the receiver got it. */
  at: number;
}

export interface ProgressStore {
  /** Keeps `entry` unless the stored one is further along (deliveries may be reordered); true when none was stored. */
  put(entry: ProgressEntry): Promise<{ first: boolean }>;
  get(taskId: string): Promise<ProgressEntry | undefined>;
  /**
   * Calls `listener` with a task id each time an entry may have been written for it (readers then `get` it); returns
   * the unsubscribe. Absent: readers poll. A hint only: a call may be spurious, and readers still `get` the entry.
   */
  watch?(listener: (taskId: string) => void): () => void;
}

/** The listeners of a store's {@link ProgressStore.watch}; `onFirst` starts watching, its result stops it. */
class Listeners {
  private readonly set = new Set<(taskId: string) => void>();
  private stop: (() => void) | undefined;

  constructor(private readonly onFirst: () => (() => void) | undefined) {}

  add(listener: (taskId: string) => void): () => void {
    this.set.add(listener);
    if (this.set.size === 1) this.stop = this.onFirst();
    return () => {
      if (!this.set.delete(listener) || this.set.size > 0) return;
      this.stop?.();
      this.stop = undefined;
    };
  }

  emit(taskId: string): void {
    for (const l of this.set) l(taskId);
  }
}

function rankOf(e: { status?: string; progress?: string }): number {
  return progressRank(e.status as TaskStatus | undefined, e.progress);
}

/** The entry a delivery makes. */
export function progressEntry(task: { id: string; status?: string; progress?: string }, at: number): ProgressEntry {
  return {
    taskId: task.id,
    status: task.status,
    progress: task.progress,
    progressPct: task.status === 'SUCCESS' ? 100 : parseProgress(task.progress),
    at,
  };
}

/**
 * The reader's view: `entry` wins over what the workflow confirmed only when it is about the same task and further
 * along. Terminal news is never laid over an open job (only the job's own fetch ends it).
 */
export function newerProgress(
  confirmed: { taskId?: string; status?: string; progress?: string },
  entry: ProgressEntry | undefined
): ProgressEntry | undefined {
  if (!entry || !confirmed.taskId || entry.taskId !== confirmed.taskId) return undefined;
  if (entry.status !== 'SUBMITTED' && entry.status !== 'IN_PROGRESS' && entry.status !== 'NOT_START') return undefined;
  return rankOf(entry) > rankOf(confirmed) ? entry : undefined;
}

/** One process, bounded, forgotten on restart: tests, and a receiver that serves readers in its own process. */
export class MemoryProgressStore implements ProgressStore {
  private readonly entries = new Map<string, ProgressEntry>();
  private readonly listeners = new Listeners(() => undefined);

  constructor(private readonly maxEntries = 10_000) {}

  watch(listener: (taskId: string) => void): () => void {
    return this.listeners.add(listener);
  }

  async put(entry: ProgressEntry): Promise<{ first: boolean }> {
    const old = this.entries.get(entry.taskId);
    if (old && rankOf(old) > rankOf(entry)) return { first: false };
    this.entries.delete(entry.taskId);
    this.entries.set(entry.taskId, entry);
    // Map iteration is insertion order, so the first key is the least recently written.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.listeners.emit(entry.taskId);
    return { first: old === undefined };
  }

  async get(taskId: string): Promise<ProgressEntry | undefined> {
    return this.entries.get(taskId);
  }
}

/** Thrown for a task id that cannot name a file (path separators, dots only, control characters, too long). */
export class InvalidProgressKeyError extends Error {
  override readonly name = 'InvalidProgressKeyError';
  readonly code = 'INVALID_PROGRESS_KEY';
  constructor(readonly field = 'taskId') {
    super(`${field}: must be 1-200 characters of letters, digits, '-', '_' or '.' and not only dots`);
  }
}

function fileName(taskId: string): string {
  if (!/^[\w.-]{1,200}$/.test(taskId) || /^\.+$/.test(taskId)) throw new InvalidProgressKeyError();
  return `${taskId}.json`;
}

/** A temp file older than this was left by a writer that died between write and rename. */
const STALE_TMP_MS = 3_600_000;

/**
 * One small JSON file per task in a directory: shared by several receivers and every reader on one host or on a
 * shared volume (compose), and kept across restarts. Writes go to a temp file and are renamed, so a reader never
 * sees half an entry; two receivers racing on one task keep either entry, both fine for display. {@link prune}
 * removes entries no delivery has touched for a while (see `progress-pruner.ts`).
 */
export class DirProgressStore implements ProgressStore {
  private ready: Promise<unknown> | undefined;
  /** One directory watch (inotify on Linux) for every listener of this process; writers elsewhere are seen too. */
  private readonly listeners = new Listeners(() => this.watchDir());

  constructor(readonly dir: string) {}

  watch(listener: (taskId: string) => void): () => void {
    return this.listeners.add(listener);
  }

  private watchDir(): () => void {
    let watcher: FSWatcher | undefined;
    let stopped = false;
    this.ready ??= mkdir(this.dir, { recursive: true });
    void this.ready.then(() => {
      if (stopped) return;
      try {
        watcher = watch(this.dir, (_event, name) => {
          const file = typeof name === 'string' ? name : undefined;
          if (file?.endsWith('.json')) this.listeners.emit(file.slice(0, -'.json'.length));
        });
        // A watch that fails later (the directory removed) leaves readers with what they read last.
        watcher.on('error', () => watcher?.close());
      } catch {
        // No watch here (a file system without one): readers see entries when they next read.
      }
    });
    return () => {
      stopped = true;
      watcher?.close();
    };
  }

  /**
   * Removes entries last written more than `retentionMs` before `now` (by file time: the rename that wrote them) and
   * temp files a dead writer left. Safe beside writers and other pruners: an entry is display-only (a reader without
   * it shows what the job confirmed), and a file another process removed first is simply gone.
   */
  async prune(retentionMs: number, now = Date.now()): Promise<{ removed: number; kept: number }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return { removed: 0, kept: 0 };
    }
    let removed = 0;
    let kept = 0;
    for (const name of names) {
      const tmp = name.endsWith('.tmp');
      if (!tmp && !name.endsWith('.json')) continue;
      const file = path.join(this.dir, name);
      try {
        const { mtimeMs } = await stat(file);
        if (now - mtimeMs > (tmp ? Math.min(retentionMs, STALE_TMP_MS) : retentionMs)) {
          await unlink(file);
          removed++;
        } else kept++;
      } catch {
        // Renamed or removed meanwhile.
      }
    }
    return { removed, kept };
  }

  async put(entry: ProgressEntry): Promise<{ first: boolean }> {
    const file = path.join(this.dir, fileName(entry.taskId));
    const old = await this.get(entry.taskId);
    if (old && rankOf(old) > rankOf(entry)) return { first: false };
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, file);
    return { first: old === undefined };
  }

  async get(taskId: string): Promise<ProgressEntry | undefined> {
    let name: string;
    try {
      name = fileName(taskId);
    } catch {
      return undefined;
    }
    try {
      const e = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as ProgressEntry;
      return e && e.taskId === taskId ? e : undefined;
    } catch {
      // Absent, or unreadable: display-only data, the workflow's own state is shown instead.
      return undefined;
    }
  }
}
