/**
 * The import graph of a source tree, read with the TypeScript scanner: every import and export declaration (type-only
 * too) and `import()`, never comments. Relative imports become edges between files; the rest name npm packages (or
 * `node:` built-ins).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Every file's relative imports, resolved to files of the same tree. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [p] : [];
  });
}

function specifiers(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

export function importGraph(root: string): ImportGraph {
  const files = sourceFiles(root);
  const known = new Set(files);
  const resolve = (from: string, spec: string) => {
    const base = path.resolve(path.dirname(from), spec);
    return [base, `${base}.ts`, base.replace(/\.js$/, '.ts'), path.join(base, 'index.ts')].find((p) => known.has(p));
  };
  return new Map(
    files.map((file) => {
      const targets = specifiers(file)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => resolve(file, spec))
        .filter((t): t is string => t !== undefined && t !== file);
      return [file, [...new Set(targets)]];
    })
  );
}

/** The files `entries` reach through the graph, themselves included, sorted. */
export function reachable(graph: ImportGraph, entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...entries];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...(graph.get(file) ?? []));
  }
  return [...seen].sort();
}

/** The npm packages a file imports (`@scope/name` or `name`), without `node:` built-ins, sorted. */
export function packageImports(file: string): string[] {
  const names = specifiers(file)
    .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:'))
    .map((spec) =>
      spec
        .split('/')
        .slice(0, spec.startsWith('@') ? 2 : 1)
        .join('/')
    );
  return [...new Set(names)].sort();
}
