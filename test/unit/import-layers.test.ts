/**
 * The folders of `src/` form layers a reader can draw (docs/architecture.md): no import circle between files, none
 * between top-level folders, and each import goes to its own layer or a lower one. Every relative import counts,
 * type-only ones (`import type`, `export type … from`) and `import()` included, because a reader follows them too.
 * A new top-level folder or file of `src/` must be placed in {@link LAYERS} before this test passes.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { importGraph, type ImportGraph } from '../helpers/import-graph';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

/**
 * Top-level entries of `src/`, bottom layer first. A folder may import its own layer and lower ones only; within a
 * layer any import is allowed as long as it makes no circle. `job-start` (the Node-side starter of the job workflow)
 * has its place before it arrives.
 */
const LAYERS: readonly (readonly string[])[] = [
  // The proxy contract as a library: imports nothing of the engine.
  ['mj'],
  // Workflow-safe protocol: types, messages, constants, workflow-safe upstream routing.
  ['shared'],
  // Deterministic workflow code.
  ['workflows'],
  // Node basics: settings and process wiring, payload codec, asset store, logging, metrics.
  ['config', 'codec', 'assets', 'logger.ts', 'metrics.ts', 'in-flight.ts', 'temporal-binaries.ts'],
  // Node services under the workflows: activities, upstream set and pool client, ledger recorder, webhook receiver
  // parts, pipeline and batch parsing, tenants and gateway task ids.
  ['activities', 'upstreams', 'ledger', 'webhook', 'pipeline', 'tenancy'],
  ['job-start'],
  ['client'],
  // The gateway and what is mounted in it: the console, the MCP server.
  ['gateway', 'console', 'mcp'],
  // Process edges and tools.
  ['cli', 'worker.ts', 'simulator'],
];

/** The strongly connected parts of two or more nodes (Tarjan), each sorted, as readers list a circle. */
function circles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        part.push(w);
      } while (w !== v);
      if (part.length > 1) found.push(part.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The graph between top-level entries of `root` (a folder, or a file directly in it). */
function folderGraph(graph: ImportGraph, root: string): ImportGraph {
  const top = (file: string) => path.relative(root, file).split(path.sep)[0];
  const edges = new Map<string, Set<string>>();
  for (const [from, targets] of graph) {
    const a = top(from);
    if (!edges.has(a)) edges.set(a, new Set());
    for (const t of targets) if (top(t) !== a) edges.get(a)!.add(top(t));
  }
  return new Map([...edges].map(([a, bs]) => [a, [...bs].sort()]));
}

/** Each import from a lower layer to a higher one, as `from (layer) imports to (layer)`. */
function upwardImports(graph: ImportGraph, layers: readonly (readonly string[])[], root: string): string[] {
  const layerOf = new Map(layers.flatMap((names, i) => names.map((n) => [n, i] as const)));
  const top = (file: string) => path.relative(root, file).split(path.sep)[0];
  const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf.get(top(from));
    for (const t of targets) {
      const b = layerOf.get(top(t));
      if (a !== undefined && b !== undefined && b > a) {
        found.push(`${rel(from)} (layer of ${top(from)}) imports ${rel(t)} (higher layer of ${top(t)})`);
      }
    }
  }
  return found.sort();
}

const named = (parts: string[][], name: (p: string) => string) =>
  parts.map((part) => `circle of ${part.length}: ${part.map(name).join(', ')}`);

describe('import layers of src/', () => {
  const graph = importGraph(SRC);
  const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

  it('finds a circle, also one closed by a type-only import, and an upward import', () => {
    const toy: ImportGraph = new Map([
      ['/r/a/x.ts', ['/r/b/y.ts']],
      ['/r/b/y.ts', ['/r/a/z.ts']],
      ['/r/a/z.ts', []],
      ['/r/c/w.ts', ['/r/c/v.ts']],
      ['/r/c/v.ts', ['/r/c/w.ts']],
    ]);
    expect(circles(toy)).toEqual([['/r/c/v.ts', '/r/c/w.ts']]);
    expect(circles(folderGraph(toy, '/r'))).toEqual([['a', 'b']]);
    expect(upwardImports(toy, [['b'], ['a']], '/r')).toHaveLength(1);
    const scanned = ts.preProcessFile(
      "import type { A } from './a';\nexport type { B } from '../b';\n// from './c'",
      true,
      true
    );
    expect(scanned.importedFiles.map((f) => f.fileName)).toEqual(['./a', '../b']);
  });

  it('has no import circle between files', () => {
    expect(named(circles(graph), rel)).toEqual([]);
  });

  it('has no import circle between top-level folders', () => {
    expect(named(circles(folderGraph(graph, SRC)), (f) => f)).toEqual([]);
  });

  it('places every top-level folder and file of src/ in exactly one layer', () => {
    const placed = LAYERS.flat();
    expect(placed.filter((name, i) => placed.indexOf(name) !== i)).toEqual([]);
    const entries = readdirSync(SRC).filter(
      (name) => statSync(path.join(SRC, name)).isDirectory() || name.endsWith('.ts')
    );
    expect(entries.filter((name) => !placed.includes(name))).toEqual([]);
  });

  it('imports only from its own layer or lower ones', () => {
    expect(upwardImports(graph, LAYERS, SRC)).toEqual([]);
  });
});
