/**
 * The client package (`packages/client`) ships what its tsconfig reaches from the typed client and the contract
 * library, so its `dependencies` must be exactly the npm packages those files import (type-only imports too: the
 * shipped declarations name them), at the versions of the root package.json, and never the worker's.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importGraph, packageImports, reachable } from '../helpers/import-graph';

const ROOT = path.resolve(__dirname, '..', '..');
const PKG_DIR = path.join(ROOT, 'packages', 'client');

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  dependencies: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
}
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const root = readJson<PackageJson>(path.join(ROOT, 'package.json'));
const pkg = readJson<PackageJson>(path.join(PKG_DIR, 'package.json'));
const tsconfig = readJson<{ compilerOptions: { rootDir: string; outDir: string }; include: string[]; files: string[] }>(
  path.join(PKG_DIR, 'tsconfig.json')
);
const entries = tsconfig.files.map((f) => path.resolve(PKG_DIR, f));
const shipped = reachable(importGraph(path.join(ROOT, 'src')), entries);
const needed = [...new Set(shipped.flatMap(packageImports))].sort();

describe('the client package', () => {
  it('depends on exactly the npm packages its files import', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(needed);
  });

  it('pulls in neither the worker nor sharp', () => {
    expect(needed).not.toContain('@temporalio/worker');
    expect(needed).not.toContain('sharp');
  });

  it('takes each version from the root package.json', () => {
    const rootVersions = Object.fromEntries(Object.keys(pkg.dependencies).map((d) => [d, root.dependencies[d]]));
    expect(pkg.dependencies).toEqual(rootVersions);
  });

  it('is publishable, named in the CHANGELOG and at its newest version, like the root', () => {
    const changelog = readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
    const newest = /^## \[(\d+\.\d+\.\d+)\]/m.exec(changelog)?.[1];
    expect(pkg.private).toBeUndefined();
    expect(changelog).toContain(pkg.name);
    expect([pkg.version, root.version]).toEqual([newest, newest]);
  });

  it('compiles only what its entries reach, and exports only those entries', () => {
    // Without an empty `include` the root tsconfig's would be inherited, and all of src/ shipped.
    expect(tsconfig.include).toEqual([]);
    const src = path.resolve(PKG_DIR, tsconfig.compilerOptions.rootDir);
    const lib = path.resolve(PKG_DIR, tsconfig.compilerOptions.outDir);
    const targets = Object.values(pkg.exports)
      .filter((e) => typeof e !== 'string')
      .map((e) => path.join(src, path.relative(lib, path.resolve(PKG_DIR, e.default)).replace(/\.js$/, '.ts')));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => !entries.includes(t))).toEqual([]);
  });
});
