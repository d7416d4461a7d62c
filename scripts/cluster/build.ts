/**
 * The real Temporal server and its SQL schema tool, built from the Go module `go.temporal.io/server` at the version
 * compose pins (deploy/cluster.env TEMPORAL_VERSION) through the Go module proxy, into the git-ignored
 * `.temporal/cluster/v<version>/`. Nothing fetched is committed; a second call finds the binaries and returns at once.
 *
 * The server's own Docker config template (`config/docker.yaml` of the same module, the file the auto-setup image
 * renders) is copied next to them, so the local cluster runs on the same configuration as the compose container.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './settings';

export const SERVER_MODULE = 'go.temporal.io/server';

export interface TemporalBuild {
  version: string;
  /** `temporal-server` (go.temporal.io/server/cmd/server). */
  serverBin: string;
  /** `temporal-sql-tool` (go.temporal.io/server/cmd/tools/sql). */
  sqlToolBin: string;
  /** A config root: `<root>/config/docker.yaml` is the module's Docker config template. */
  configRoot: string;
  /** Wall-clock seconds of the build that produced these binaries (0 when they were already there). */
  buildSeconds: number;
}

export function buildDir(version: string): string {
  return path.join(ROOT, '.temporal', 'cluster', `v${version}`);
}

function goEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Static binaries, as Temporal releases them; GOFLAGS=-mod=mod keeps a vendor directory or a workspace out of it.
  return { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', ...extra };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${tail}`));
    });
    log(`$ ${cmd} ${args.join(' ')}`);
  });
}

/** The module's directory in the module cache (downloaded through the proxy when missing). */
function moduleDir(version: string): string {
  const r = spawnSync('go', ['mod', 'download', '-json', `${SERVER_MODULE}@v${version}`], {
    env: goEnv(),
    encoding: 'utf8',
    cwd: ROOT,
  });
  if (r.status !== 0) throw new Error(`go mod download ${SERVER_MODULE}@v${version} failed: ${r.stderr || r.stdout}`);
  const dir = (JSON.parse(r.stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${SERVER_MODULE}@v${version} named no directory`);
  return dir;
}

/** Serialises builds of one version across processes (a directory is created atomically). */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, '.build-lock');
  mkdirSync(dir, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const holder = Number(readFileSync(path.join(lock, 'pid'), 'utf8').trim() || 0);
      let alive: boolean;
      try {
        alive = holder > 0 && process.kill(holder, 0);
      } catch {
        alive = false;
      }
      if (!alive) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Builds (once) and locates the server binaries. `go install <pkg>@v<version>` resolves every dependency through the
 * module proxy (GOPROXY); GOMODCACHE/GOCACHE from the environment decide where the downloads and objects go.
 */
export async function ensureTemporalBuild(
  version: string,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)
): Promise<TemporalBuild> {
  const dir = buildDir(version);
  const bin = path.join(dir, 'bin');
  const serverBin = path.join(bin, 'temporal-server');
  const sqlToolBin = path.join(bin, 'temporal-sql-tool');
  const template = path.join(dir, 'config', 'docker.yaml');
  const result = (buildSeconds: number): TemporalBuild => ({
    version,
    serverBin,
    sqlToolBin,
    configRoot: dir,
    buildSeconds,
  });
  if ([serverBin, sqlToolBin, template].every((f) => existsSync(f))) return result(0);
  return withLock(dir, async () => {
    if ([serverBin, sqlToolBin, template].every((f) => existsSync(f))) return result(0);
    const started = Date.now();
    log(`building Temporal server v${version} from ${SERVER_MODULE} (minutes on a cold module cache)…`);
    const gobin = path.join(dir, 'gobin');
    await run(
      'go',
      ['install', `${SERVER_MODULE}/cmd/server@v${version}`, `${SERVER_MODULE}/cmd/tools/sql@v${version}`],
      goEnv({ GOBIN: gobin }),
      log
    );
    mkdirSync(bin, { recursive: true });
    copyFileSync(path.join(gobin, 'server'), serverBin);
    copyFileSync(path.join(gobin, 'sql'), sqlToolBin);
    rmSync(gobin, { recursive: true, force: true });
    mkdirSync(path.dirname(template), { recursive: true });
    copyFileSync(path.join(moduleDir(version), 'config', 'docker.yaml'), template);
    const seconds = Math.round((Date.now() - started) / 1_000);
    writeFileSync(
      path.join(dir, 'build.json'),
      `${JSON.stringify({ version, seconds, builtAt: new Date().toISOString(), go: goVersion() }, null, 2)}\n`
    );
    log(`built Temporal server v${version} in ${seconds} s`);
    return result(seconds);
  });
}

function goVersion(): string {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).stdout.trim();
}
