/**
 * `test/unit` starts no Temporal server: a test that needs one lives in `test/integration` (or chaos, browser), and
 * shared harnesses live in `test/helpers`. A file counts as starting a server when it calls the SDK's server start
 * (`TestWorkflowEnvironment.createLocal` / `createTimeSkipping`), `startDevServer` or the server binaries' locators
 * (`temporalCliPath` / `testServerPath`, which the helpers spawn), or imports such a file, transitively, through
 * relative imports. Type-only imports start nothing and are not followed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TEST = path.join(ROOT, 'test');
const UNIT = path.join(TEST, 'unit');

const STARTS_A_SERVER =
  /TestWorkflowEnvironment\.create\w*\(|\bstartDevServer\(|\b(temporalCliPath|testServerPath)\(\)/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|js)$/.test(name) ? [p] : [];
  });
}

/** Relative modules a file imports; `import type` and `export type` only with `types`. */
function relativeImports(source: string, types = false): string[] {
  const found: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s)?[^;]*?\bfrom\s+'(\.[^']*)'/gm;
  for (const m of source.matchAll(statement)) if (types || !m[2]) found.push(m[3]);
  for (const m of source.matchAll(/\b(?:require|import)\(\s*'(\.[^']*)'\s*\)/g)) found.push(m[1]);
  for (const m of source.matchAll(/^\s*import\s+'(\.[^']*)'/gm)) found.push(m[1]);
  return found;
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts')].find(
    (p) => existsSync(p) && statSync(p).isFile()
  );
}

/** The chain of imports from `file` to a file that starts a server, or undefined. Only files under test/ are followed. */
function serverChain(file: string, seen = new Map<string, string[] | undefined>()): string[] | undefined {
  if (seen.has(file)) return seen.get(file);
  seen.set(file, undefined);
  const source = readFileSync(file, 'utf8');
  const rel = path.relative(ROOT, file);
  let chain: string[] | undefined = STARTS_A_SERVER.test(source) ? [rel] : undefined;
  for (const spec of chain ? [] : relativeImports(source)) {
    const target = resolve(file, spec);
    if (!target || !target.startsWith(TEST + path.sep)) continue;
    const rest = serverChain(target, seen);
    if (rest) {
      chain = [rel, ...rest];
      break;
    }
  }
  seen.set(file, chain);
  return chain;
}

describe('test layout', () => {
  it('no file under test/unit starts a Temporal server or imports a helper that does', () => {
    const offenders = walk(UNIT)
      .map((f) => serverChain(f))
      .filter((c): c is string[] => c !== undefined)
      .map((c) => c.join(' -> '));
    expect(offenders).toEqual([]);
  });

  it('recognises the server-starting helpers it guards against', () => {
    expect(serverChain(path.join(TEST, 'helpers/temporal.ts'))).toEqual(['test/helpers/temporal.ts']);
    expect(serverChain(path.join(TEST, 'helpers/job-env.ts'))).toEqual([
      'test/helpers/job-env.ts',
      'test/helpers/temporal.ts',
    ]);
    expect(serverChain(path.join(TEST, 'helpers/eventually.ts'))).toBeUndefined();
  });

  it('reads relative imports, type-only ones only when asked', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "export { c } from '../c';",
      "export type { D } from './d';",
      "import {\n  e,\n  type F,\n} from './e';",
      "const g = require('./g');",
      "import { h } from 'node:h';",
    ].join('\n');
    expect(relativeImports(source)).toEqual(['./a', '../c', './e', './g']);
    expect(relativeImports(source, true)).toEqual(['./a', './b', '../c', './d', './e', './g']);
  });

  it('has one polling helper, test/helpers/eventually.ts', () => {
    const definers = walk(TEST)
      .filter((f) => /\b(function\s+eventually\b|(const|let)\s+eventually\s*=)/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(definers).toEqual(['test/helpers/eventually.ts']);
  });

  it('shared harnesses live in test/helpers: no suite imports from another suite’s folder', () => {
    const suiteOf = (f: string) => path.relative(TEST, f).split(path.sep)[0];
    const SHARED = new Set(['helpers', 'fixtures']);
    const crossings = walk(TEST).flatMap((f) =>
      relativeImports(readFileSync(f, 'utf8'), true)
        .map((s) => resolve(f, s))
        .filter((t): t is string => t !== undefined && t.startsWith(TEST + path.sep))
        .filter((t) => !SHARED.has(suiteOf(t)) && suiteOf(t) !== suiteOf(f))
        .map((t) => `${path.relative(ROOT, f)} -> ${path.relative(ROOT, t)}`)
    );
    expect(crossings).toEqual([]);
  });
});
