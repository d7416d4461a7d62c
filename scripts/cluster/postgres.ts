/**
 * PostgreSQL from Debian's packages, as a private cluster in a project-local data directory: loopback only, on a
 * port of our choosing, with `POSTGRES_USER` as its superuser (as the postgres image makes it in compose) and a random
 * password kept next to the data. As root the server runs as the `postgres` user (it refuses to run as root).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The newest `/usr/lib/postgresql/<major>/bin` holding initdb and postgres, or undefined. */
export function findPostgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((d) => /^\d+$/.test(d))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = path.join(base, major, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'postgres'))) return bin;
  }
  return undefined;
}

/**
 * Installs Debian's `postgresql` when no server binaries are present. Another process holding the apt/dpkg lock is
 * waited for (dpkg's own lock timeout, then a few retries); stale package lists are refreshed once.
 */
export async function ensurePostgresInstalled(log: (line: string) => void): Promise<string> {
  const found = findPostgresBin();
  if (found) return found;
  if (process.getuid?.() !== 0)
    throw new Error('PostgreSQL is not installed; run as root or `apt-get install postgresql`');
  const apt = (args: string[]) =>
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  let updated = false;
  for (let attempt = 1; attempt <= 6; attempt++) {
    log(`apt-get install -y postgresql (attempt ${attempt})`);
    const r = apt(['install', '-y', '-q', 'postgresql']);
    if (r.status === 0 && findPostgresBin()) return findPostgresBin()!;
    const out = `${r.stdout}\n${r.stderr}`;
    if (/Unable to locate package|has no installation candidate|404\s+Not Found/i.test(out) && !updated) {
      updated = true;
      apt(['update', '-q']);
      continue;
    }
    if (!/lock/i.test(out)) throw new Error(`apt-get install postgresql failed:\n${out.slice(-2_000)}`);
    await sleep(10_000); // someone else's apt run holds the lock
  }
  throw new Error('apt-get install postgresql: the apt lock stayed held');
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [u, g] = [id('-u'), id('-g')];
  if (u.status !== 0 || g.status !== 0) throw new Error('running as root, but there is no `postgres` user');
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export interface PostgresOptions {
  bin: string;
  /**
   * Holds `data/`, `pg.log`, the socket directory and the password file. As root, see {@link serverDir}: the files
   * then live under the system temp directory, keyed by this path.
   */
  dir: string;
  port: number;
  user: string;
  /** Start from no data (what a fresh cluster run wants). @default false */
  fresh?: boolean;
}

/**
 * Where the server's files go. As root the server runs as `postgres`, which cannot enter a checkout below a
 * directory only root may traverse (a `mktemp -d` clone is 0700, as is a home directory), so its files go under the
 * system temp directory instead, at a path derived from `dir` so a restart finds them again.
 */
function serverDir(dir: string, owner: { uid: number } | undefined): string {
  if (!owner) return dir;
  const key = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16);
  return path.join(tmpdir(), 'mj-temporal-postgres', key);
}

/** One private PostgreSQL server; {@link kill} and {@link start} again simulate a crash and its recovery. */
export class PostgresServer {
  readonly dir: string;
  readonly dataDir: string;
  readonly password: string;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly owner = postgresUser();

  constructor(readonly opts: PostgresOptions) {
    this.dir = serverDir(opts.dir, this.owner);
    this.dataDir = path.join(this.dir, 'data');
    if (opts.fresh) rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    const pwFile = path.join(this.dir, 'password');
    if (!existsSync(pwFile)) writeFileSync(pwFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    this.password = readFileSync(pwFile, 'utf8').trim();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private own(p: string): void {
    if (this.owner) chownSync(p, this.owner.uid, this.owner.gid);
  }

  /** initdb once: scram-sha-256 for every connection, the superuser named `user`. */
  init(): void {
    if (existsSync(path.join(this.dataDir, 'PG_VERSION'))) return;
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const pwFile = path.join(this.dir, 'initdb-password');
    writeFileSync(pwFile, `${this.password}\n`, { mode: 0o600 });
    for (const p of [this.dir, this.dataDir, pwFile]) this.own(p);
    const r = spawnSync(
      path.join(this.opts.bin, 'initdb'),
      [
        '-D',
        this.dataDir,
        '-U',
        this.opts.user,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '-E',
        'UTF8',
        '--no-instructions',
      ],
      { encoding: 'utf8', ...this.owner }
    );
    if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr || r.stdout}`);
  }

  /** Starts the server and resolves once it accepts connections. */
  async start(timeoutMs = 60_000): Promise<void> {
    const sockets = path.join(this.dir, 'sockets');
    mkdirSync(sockets, { recursive: true });
    this.own(sockets);
    const logFile = path.join(this.dir, 'pg.log');
    const out = openSync(logFile, 'a');
    this.own(logFile);
    const child = spawn(
      path.join(this.opts.bin, 'postgres'),
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.opts.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${sockets}`,
        '-c',
        'max_connections=300',
      ],
      { stdio: ['ignore', out, out], ...this.owner }
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`postgres exited at start: ${readFileSync(logFile, 'utf8').slice(-2_000)}`);
      }
      const r = spawnSync(path.join(this.opts.bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.opts.port)]);
      if (r.status === 0) return;
      if (Date.now() > deadline) throw new Error(`postgres not ready after ${timeoutMs} ms`);
      await sleep(300);
    }
  }

  /**
   * Stops the server: `SIGQUIT` is PostgreSQL's immediate shutdown (no checkpoint, crash recovery at the next start,
   * as after a power cut); `SIGINT` is a fast, clean shutdown.
   */
  async stop(signal: 'SIGQUIT' | 'SIGINT' | 'SIGTERM' = 'SIGINT'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await this.exited;
  }

  /** A psql one-liner as the superuser, over TCP. */
  psql(sql: string, database = 'postgres'): string {
    const r = spawnSync(
      path.join(this.opts.bin, 'psql'),
      ['-h', '127.0.0.1', '-p', String(this.opts.port), '-U', this.opts.user, '-d', database, '-At', '-c', sql],
      { encoding: 'utf8', env: { ...process.env, PGPASSWORD: this.password } }
    );
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
  }
}
