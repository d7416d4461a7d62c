/**
 * A lockfile for a scratch project that installs one packed tarball, pinned to the versions this repository's
 * `package-lock.json` resolved: the tarball's dependencies and theirs, copied from the repository's lock at the same
 * paths. With it `npm ci --offline` installs from the npm cache alone (which holds tarballs, not the registry's
 * version lists a plain `npm install` would need to resolve ranges), so an install test never needs the network.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface LockEntry {
  version?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

/** Where Node finds `name` from the package at lock path `from` ('' is the project): nearest `node_modules` up. */
function resolveIn(lock: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let base = from; ;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock[candidate] && !lock[candidate].link) return candidate;
    if (!base) return undefined;
    const up = base.lastIndexOf('/node_modules/');
    base = up < 0 ? '' : base.slice(0, up);
  }
}

/**
 * Writes `package.json` and `package-lock.json` into `app` for a project depending on `tarball` only. Throws naming
 * the package when a dependency is missing from `rootLockFile`.
 */
export function writeScratchProject(app: string, tarball: string, rootLockFile: string): Manifest {
  const lock = (JSON.parse(readFileSync(rootLockFile, 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const packed = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  const manifest = packed as Manifest;
  const entries: Record<string, LockEntry> = {};
  const queue = Object.keys(manifest.dependencies ?? {}).map((name) => ({ from: '', name }));
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const at = resolveIn(lock, next.from, next.name);
    if (!at) throw new Error(`${next.name} (needed by ${next.from || manifest.name}) is not in ${rootLockFile}`);
    if (entries[at]) continue;
    // The repository's dev flags mean nothing to the scratch project, where everything is a production dependency.
    const { dev, devOptional, peer, ...entry } = lock[at];
    void [dev, devOptional, peer];
    entries[at] = entry;
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }))
      queue.push({ from: at, name });
  }
  const spec = `file:${path.relative(app, tarball)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const project = { name: 'scratch', version: '1.0.0', private: true, dependencies: { [manifest.name]: spec } };
  const self = { version: manifest.version, resolved: spec, integrity, dependencies: manifest.dependencies };
  const packages = {
    '': { name: project.name, version: project.version, dependencies: project.dependencies },
    [`node_modules/${manifest.name}`]: self,
    ...entries,
  };
  writeFileSync(path.join(app, 'package.json'), JSON.stringify(project, null, 2));
  writeFileSync(
    path.join(app, 'package-lock.json'),
    JSON.stringify({ ...project, lockfileVersion: 3, packages }, null, 2)
  );
  return manifest;
}
