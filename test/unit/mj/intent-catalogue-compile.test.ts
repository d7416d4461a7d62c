/**
 * Adding an intent is one catalogue entry, and a forgotten property is a compile error: this test copies
 * src/mj/intents into a scratch folder, adds a throwaway intent there and type-checks the copy with the TypeScript
 * compiler API (no emit).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

const SOURCE = join(__dirname, '../../../src/mj/intents');

/** A scratch copy of the catalogue folder with `edit` applied to its files; removed after `check`. */
function scratchCopy(edit: (name: string, text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'intent-catalogue-'));
  for (const name of readdirSync(SOURCE).filter((n) => n.endsWith('.ts'))) {
    writeFileSync(join(dir, name), edit(name, readFileSync(join(SOURCE, name), 'utf8')));
  }
  return dir;
}

/** The compiler's messages for the copy, one line each, with the file they are in. */
function typeErrors(dir: string): string[] {
  const files = readdirSync(dir).map((n) => join(dir, n));
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    noUnusedLocals: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    lib: ['lib.es2022.d.ts'],
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.slice(dir.length + 1)}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, ' ');
  });
}

function check(edit: (name: string, text: string) => string): string[] {
  const dir = scratchCopy(edit);
  try {
    return typeErrors(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Declares a throwaway kind `zoom-in` (no parameters) in kinds.ts. */
function addKind(name: string, text: string): string {
  if (name !== 'kinds.ts') return text;
  return text
    .replace("  'unknown',\n] as const;", "  'zoom-in',\n  'unknown',\n] as const;")
    .replace('  bookmark: object;\n', "  bookmark: object;\n  'zoom-in': object;\n");
}

/** A catalogue entry for `zoom-in` with the given properties left out, or given other values. */
function entry(without: readonly string[], values: Record<string, string> = {}): string {
  const props: Record<string, string> = {
    match: "(id) => (id === 'MJ::ZoomIn' ? { kind: 'zoom-in' } : null)",
    customId: "() => 'MJ::ZoomIn'",
    remixOf: 'null',
    forms: "'zoom-in'",
    parse: "(t) => (t === 'zoom-in' ? { kind: 'zoom-in' } : null)",
    text: "() => 'zoom-in'",
    label: "() => 'Zoom In'",
    appearsOn: "['upscale']",
    yields: "'grid'",
    alwaysModal: 'false',
    modalNeeds: "['prompt']",
    promptNeedsZoom: 'false',
    proxyAction: "'ZOOM'",
    pricedAction: "'ZOOM'",
    feature: 'null',
    change: 'null',
    ...values,
    sameResultEachPress: 'false',
  };
  const body = Object.entries(props)
    .filter(([k]) => !without.includes(k))
    .map(([k, v]) => `    ${k}: ${v},`)
    .join('\n');
  return `  'zoom-in': {\n${body}\n  },\n`;
}

function addEntry(
  without: readonly string[],
  values: Record<string, string> = {}
): (name: string, text: string) => string {
  return (name, text) => {
    const withKind = addKind(name, text);
    if (name !== 'catalogue.ts') return withKind;
    const at = withKind.indexOf('  unknown: {');
    return withKind.slice(0, at) + entry(without, values) + withKind.slice(at);
  };
}

describe('the intent catalogue as a compile-time guard', () => {
  it('compiles as it is, and with a complete throwaway intent', () => {
    expect(check((_n, t) => t)).toEqual([]);
    expect(check(addEntry([]))).toEqual([]);
  });

  it('names the properties a new entry forgot', () => {
    const errors = check(addEntry(['pricedAction', 'feature'])).join('\n');
    expect(errors).toMatch(
      /^catalogue\.ts: .* is missing the following properties from type 'IntentDef<"zoom-in">': pricedAction, feature$/
    );
  });

  it('refuses a declared kind that has no entry', () => {
    const errors = check(addKind).join('\n');
    expect(errors).toMatch(/^catalogue\.ts: Property '"zoom-in"' is missing in .* required in type 'IntentCatalogue'/);
  });

  it('refuses a wrong value, e.g. a priced action the ledger does not know', () => {
    const errors = check((name, text) =>
      addEntry([])(name, text).replace(
        "    pricedAction: 'ZOOM',\n    feature: null",
        "    pricedAction: 'ZOOM_IN',\n    feature: null"
      )
    ).join('\n');
    expect(errors).toMatch(/'"ZOOM_IN"' is not assignable to type '.*ZOOM/);
  });

  it('lets a Remix variant press only a kind with the same parameters', () => {
    // zoom-in has no parameters, like vary-subtle; pan has a direction.
    expect(check(addEntry([], { remixOf: "'vary-subtle'" }))).toEqual([]);
    expect(check(addEntry([], { remixOf: "'pan'" })).join('\n')).toMatch(/'"pan"' is not assignable to type/);
  });
});
