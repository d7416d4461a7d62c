/**
 * No class in src/ is longer than 400 lines (every line counts, from `class` to its closing brace). ESLint's limits
 * count functions (`max-lines-per-function`) and workflow files (`max-lines`), so without this a class of any size
 * in any other folder would pass. A class over the limit is several concepts: split it into a state object and parts,
 * as `JobRun` is (src/workflows/job/). No server; reads files only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const MAX_CLASS_LINES = 400;
const SOURCE = /\.(ts|tsx|js|mjs|cjs)$/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : SOURCE.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every class declared or expressed in `text`, with its length in lines and where it starts. */
export function classesIn(file: string, text: string): { name: string; line: number; lines: number }[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { name: string; line: number; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      const first = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
      const last = src.getLineAndCharacterOfPosition(node.end).line;
      found.push({ name: node.name?.text ?? '(anonymous)', line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return found;
}

describe('class size', () => {
  it(`no class in src/ is longer than ${MAX_CLASS_LINES} lines`, () => {
    const offenders = walk(path.join(ROOT, 'src')).flatMap((file) => {
      const rel = path.relative(ROOT, file);
      return classesIn(rel, readFileSync(file, 'utf8')).flatMap((c) => {
        return c.lines > MAX_CLASS_LINES ? [`${rel}:${c.line} ${c.name} (${c.lines} lines)`] : [];
      });
    });
    expect(offenders).toEqual([]);
  });

  it('measures classes from their first to their last line, nested and anonymous ones too', () => {
    const body = Array.from({ length: MAX_CLASS_LINES }, (_, i) => `  m${i}(): void {}`).join('\n');
    const text = `// a comment\nexport class Big {\n${body}\n}\nconst Small = class {\n  x = 1;\n};\n`;
    expect(classesIn('big.ts', text)).toEqual([
      { name: 'Big', line: 2, lines: MAX_CLASS_LINES + 2 },
      { name: '(anonymous)', line: MAX_CLASS_LINES + 4, lines: 3 },
    ]);
  });
});
