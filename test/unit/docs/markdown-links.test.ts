/**
 * Every relative link of the repository's Markdown (README, CONTRIBUTING, CHANGELOG, docs/, the READMEs beside the
 * code) names a file or folder that exists, and every `#anchor` names a heading of the file it points at, as GitHub
 * makes anchors. Links inside code are not links. No server; reads files only.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
/** Folders whose Markdown is generated or not ours. */
const SKIPPED = new Set(['node_modules', '.git', '.temporal', 'data', 'lib', 'coverage', 'bench/results']);

export interface Link {
  line: number;
  target: string;
}

/** Markdown without fenced code blocks (line breaks kept, so line numbers still hold). */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '));
}

/** Markdown without fenced code blocks and inline code spans. */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/(`+)[^`\n][\s\S]*?\1/g, (span) => span.replace(/[^\n]/g, ' '));
}

/** The inline links and images of a Markdown text: `[text](target)`, `![alt](target "title")`. */
export function linksIn(markdown: string): Link[] {
  const text = withoutCode(markdown);
  const out: Link[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    out.push({ line: text.slice(0, m.index).split('\n').length, target: m[1]! });
  }
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation gone (letters, digits, `-`, `_` kept), spaces → `-`. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor of a Markdown document; repeated headings get `-1`, `-2`, … as on GitHub. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Why a link of `file` (relative to the root) does not resolve, or null when it does. */
export function brokenReason(file: string, target: string, read: (rel: string) => string | null): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // https:, mailto: …: not a file of ours
  const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
  const rel =
    rawPath === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(rawPath)));
  if (rel.startsWith('..')) return 'points outside the repository';
  const text = read(rel);
  if (text === null) return `${rel} does not exist`;
  if (anchor === undefined || anchor === '') return null;
  if (!rel.endsWith('.md')) return `${rel} is not Markdown, so #${anchor} names nothing`;
  return anchorsOf(text).has(anchor) ? null : `${rel} has no heading #${anchor}`;
}

function* markdownFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = path.relative(ROOT, full).split(path.sep).join('/');
    if (entry.isDirectory()) {
      if (!SKIPPED.has(rel) && !SKIPPED.has(entry.name) && !rel.startsWith('test/fixtures/histories')) {
        yield* markdownFiles(full);
      }
    } else if (entry.name.endsWith('.md')) yield rel;
  }
}

/** A repository file's text ('' for a folder), or null when there is none. */
function readRepo(rel: string): string | null {
  const full = path.join(ROOT, rel);
  if (!existsSync(full)) return null;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
}

const files = [...markdownFiles(ROOT)];

describe('Markdown links between repository files', () => {
  it('finds the documents and their links (the scan itself works)', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/architecture.md']));
    expect(linksIn(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).length).toBeGreaterThan(20);
  });

  it('resolve to a file, and each #anchor to a heading of it', () => {
    const broken = files.flatMap((file) =>
      linksIn(readRepo(file)!).flatMap(({ line, target }) => {
        const why = brokenReason(file, target, readRepo);
        return why === null ? [] : [`${file}:${line} → ${target}: ${why}`];
      })
    );
    expect(broken).toEqual([]);
  });
});

describe('the link checker', () => {
  const docs: Record<string, string> = {
    'README.md': '# T\n\n## Quick start\n\n## The gateway (`npm run gateway`)\n\n## Quick start\n',
    'docs/a.md': '# A\n```md\n## Not a heading\n```\n## Rules: 1–2, `x` & y\n',
  };
  const read = (rel: string) => docs[rel] ?? null;

  it('makes anchors as GitHub does', () => {
    expect([...anchorsOf(docs['README.md']!)]).toEqual([
      't',
      'quick-start',
      'the-gateway-npm-run-gateway',
      'quick-start-1',
    ]);
    expect([...anchorsOf(docs['docs/a.md']!)]).toEqual(['a', 'rules-12-x--y']);
  });

  it('ignores links inside code', () => {
    expect(linksIn('see [a](a.md) and `[b](b.md)`\n```\n[c](c.md)\n```\n![d](d.png "t")').map((l) => l.target)).toEqual(
      ['a.md', 'd.png']
    );
  });

  it('reports a missing file, a missing heading and a link out of the repository', () => {
    expect(brokenReason('docs/a.md', '../README.md#quick-start-1', read)).toBeNull();
    expect(brokenReason('docs/a.md', '#rules-12-x--y', read)).toBeNull();
    expect(brokenReason('docs/a.md', 'https://example.com/x.md#nope', read)).toBeNull();
    expect(brokenReason('README.md', 'docs/b.md', read)).toBe('docs/b.md does not exist');
    expect(brokenReason('docs/a.md', '../README.md#the-gateway', read)).toBe('README.md has no heading #the-gateway');
    expect(brokenReason('docs/a.md', '#not-a-heading', read)).toBe('docs/a.md has no heading #not-a-heading');
    expect(brokenReason('README.md', '../x.md', read)).toBe('points outside the repository');
  });
});
