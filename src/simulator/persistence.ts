/**
 * The simulator's state on disk, so a stopped simulator resumes its tasks, clock, queues and pending webhooks on
 * the next start (`stateFile`). One JSON document, replaced atomically (write a temporary file, fsync, rename):
 * a crash leaves either the old or the new state, never half of one. Uploaded images go beside it, one file each,
 * written once. Submits are saved before their answer leaves; timer-driven changes within a few milliseconds.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { EngineSnapshot } from './engine';
import type { GatewaySnapshot } from './gateway-table';
import type { MjFlavour } from '../mj/terms/flavours';
import type { PendingWebhook, WebhookCounters } from './webhooks';

/** Marks the document so an unrelated JSON file is never taken for a simulator state. */
export const STATE_FORMAT = 'mj-simulator-state';
export const STATE_VERSION = 1;

/** One uploaded file as saved: its bytes live in `<stateFile>.uploads/<blob>`. */
export interface SavedUploadFile {
  contentType: string;
  issuedAt: number;
  blob: string;
}

/** Everything a restarted simulator needs; see {@link StateFile}. */
export interface SimSnapshot {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  flavour: MjFlavour;
  /** Simulated epoch ms at the time of saving; the clock resumes here. */
  clockNow: number;
  /** How many times this state was resumed; varies the seeded streams so a resumed run draws new hashes. */
  generation: number;
  /** Signs the image links already handed out, which must keep verifying after a restart. */
  signerSecret: string;
  engine: EngineSnapshot;
  /** The gateway flavour's table. */
  gateway?: GatewaySnapshot;
  counters: {
    submitsByState: Record<string, number>;
    submitsByEndpoint: Record<string, number>;
    acceptedByEndpoint: Record<string, number>;
    uploadSeq: number;
    webhooks: WebhookCounters;
  };
  uploads: { id: string; files: SavedUploadFile[] }[];
  webhooks: PendingWebhook[];
}

/** The state file did not hold a simulator state this build can resume. */
export class SimStateError extends Error {
  override readonly name = 'SimStateError';
  constructor(
    readonly file: string,
    problem: string
  ) {
    super(`stateFile ${file}: ${problem}`);
  }
}

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * Reads and writes one simulator's state file. `markDirty()` coalesces bursts of changes into one write a few
 * milliseconds later; `flush()` writes at once (before a submit is answered, and on close).
 */
export class StateFile {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private collect: (() => SimSnapshot) | undefined;
  private readonly blobDir: string;

  /**
   * @param file path of the JSON document; its directory is created when missing.
   * @param debounceMs delay of a coalesced write. @default 20 @unit real milliseconds
   */
  constructor(
    readonly file: string,
    private readonly debounceMs = 20
  ) {
    this.file = path.resolve(file);
    this.blobDir = `${this.file}.uploads`;
    mkdirSync(path.dirname(this.file), { recursive: true });
  }

  /** The saved state, or undefined when there is none yet. Throws {@link SimStateError} for an unreadable one. */
  load(): SimSnapshot | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SimStateError(this.file, `cannot be read (${(err as Error).message})`);
    }
    let doc: Partial<SimSnapshot>;
    try {
      doc = JSON.parse(text) as Partial<SimSnapshot>;
    } catch {
      throw new SimStateError(this.file, 'is not JSON; move it away to start with an empty simulator');
    }
    if (doc?.format !== STATE_FORMAT) throw new SimStateError(this.file, 'is not a simulator state file');
    if (doc.version !== STATE_VERSION) {
      throw new SimStateError(this.file, `has version ${doc.version}; this simulator reads version ${STATE_VERSION}`);
    }
    return doc as SimSnapshot;
  }

  /** Where snapshots come from once the simulator runs. */
  attach(collect: () => SimSnapshot): void {
    this.collect = collect;
  }

  markDirty(): void {
    if (!this.collect) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Writes the current state now when anything changed since the last write. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty || !this.collect) return;
    this.dirty = false;
    writeAtomic(this.file, JSON.stringify(this.collect()));
  }

  /** Final write; later changes are not saved. */
  close(): void {
    this.flush();
    this.collect = undefined;
  }

  /** Stores an uploaded file's bytes once; returns the blob name to keep in the snapshot. */
  saveBlob(name: string, bytes: Buffer): string {
    mkdirSync(this.blobDir, { recursive: true });
    writeAtomic(path.join(this.blobDir, name), bytes);
    return name;
  }

  readBlob(name: string): Buffer | undefined {
    try {
      return readFileSync(path.join(this.blobDir, path.basename(name)));
    } catch {
      return undefined;
    }
  }

  /** Deletes blobs no snapshot refers to any more (uploads evicted from memory). */
  pruneBlobs(keep: ReadonlySet<string>): void {
    let names: string[];
    try {
      names = readdirSync(this.blobDir);
    } catch {
      return;
    }
    for (const name of names) if (!keep.has(name)) rmSync(path.join(this.blobDir, name), { force: true });
  }
}
