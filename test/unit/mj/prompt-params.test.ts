/**
 * The prompt parameter grammar and rules (src/mj/params): every row of the prompt table gets its verdict, printing a
 * parsed prompt keeps its meaning (for the table and for every parameter in each of its spellings), and the typed
 * error names the parameter, the rule and its page.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkPromptParams,
  MJ_DOCS,
  PARAM_NAMES,
  PARAM_RULES,
  PARAM_SPECS,
  parsePrompt,
  printPrompt,
  type ParamName,
} from '../../../src/mj/params';
import { MjInputError, MjPromptParamError } from '../../../src/mj/errors';
import { assertPromptParams } from '../../../src/mj/prompt-rule';
import { PROMPT_ROWS } from '../../fixtures/mj/prompt-params-table';

/** What a parse means: everything but the warnings (a repeat is resolved by printing), save which are unknown. */
function meaning(prompt: string) {
  const { warnings, ...rest } = parsePrompt(prompt);
  return { ...rest, unknown: warnings.filter((w) => w.kind === 'unknown').map((w) => w.param) };
}

describe('the prompt table', () => {
  it('has at least 40 rows, valid and refused, each citing a documentation page', () => {
    expect(PROMPT_ROWS.length).toBeGreaterThanOrEqual(40);
    expect(PROMPT_ROWS.filter((r) => r.refused).length).toBeGreaterThanOrEqual(15);
    expect(PROMPT_ROWS.filter((r) => !r.refused).length).toBeGreaterThanOrEqual(15);
    const pages = new Set<string>(Object.values(MJ_DOCS));
    for (const r of PROMPT_ROWS) expect(pages).toContain(r.source);
  });

  it.each(PROMPT_ROWS.map((r) => [r.prompt, r] as const))('%s', (prompt, row) => {
    const c = checkPromptParams(prompt);
    if (row.refused) {
      expect(c.problems[0]).toMatchObject({ rule: row.refused, param: row.param });
      expect(Object.values(MJ_DOCS)).toContain(c.problems[0]!.source);
    } else expect(c.problems).toEqual([]);
    if (row.warns) expect(c.warnings.map((w) => w.param)).toContain(row.warns);
    else expect(c.warnings).toEqual([]);
  });

  it.each(PROMPT_ROWS.map((r) => [r.prompt]))('printing %s keeps its meaning and its verdict', (prompt) => {
    const printed = printPrompt(parsePrompt(prompt));
    expect(meaning(printed)).toEqual(meaning(prompt));
    expect(checkPromptParams(printed).problems.map((p) => p.rule)).toEqual(
      checkPromptParams(prompt).problems.map((p) => p.rule)
    );
  });
});

/** A value of each kind that reads, written as a user would. */
const SAMPLE: Record<string, string> = {
  flag: '',
  number: '2',
  ratio: '16:9',
  word: 'raw',
  list: 'cars,  trees ,people',
  refs: 'https://example.com/a.png https://example.com/b.png::2',
  'opt-refs': 'abc m123',
  'opt-word': '6',
};

describe('every parameter in each spelling', () => {
  const cases = PARAM_NAMES.flatMap((n: ParamName) => PARAM_SPECS[n].names.map((alias) => [n, alias] as const));
  it.each(cases)('%s written --%s round-trips', (name, alias) => {
    const prompt = `https://example.com/i.png a lighthouse:: at dusk::1.5 --${alias} ${SAMPLE[PARAM_SPECS[name].kind]} --zz 1`;
    const parsed = parsePrompt(prompt);
    expect(parsed.params[name]).toBeDefined();
    expect(parsed.unreadable).toEqual([]);
    expect(meaning(printPrompt(parsed))).toEqual(meaning(prompt));
  });
});

describe('parsePrompt', () => {
  it('reads image prompts, multi-prompt weights, lists, references and unknown parameters', () => {
    const p = parsePrompt(
      '<https://x.test/a.png> https://x.test/b.png space ship::2 moon::-0.5 --NO red, blue --sref 12 https://x.test/s.png --foo bar --s 50'
    );
    expect(p.imagePrompts).toEqual(['https://x.test/a.png', 'https://x.test/b.png']);
    expect(p.parts).toEqual([
      { text: 'space ship', separated: true, weight: 2 },
      { text: 'moon', separated: true, weight: -0.5 },
    ]);
    expect(p.params).toEqual({ no: ['red', 'blue'], sref: ['12', 'https://x.test/s.png'], stylize: 50 });
    expect(p.extra).toEqual([{ name: 'foo', value: 'bar' }]);
    expect(printPrompt(p)).toBe(
      'https://x.test/a.png https://x.test/b.png space ship::2 moon::-0.5 --stylize 50 --no red, blue --sref 12 https://x.test/s.png --foo bar'
    );
  });

  it('reads a dash inside the text as text, and an em dash before a name as a parameter', () => {
    const p = parsePrompt('a well--known fox \u2014v 7');
    expect(p.parts[0]!.text).toBe('a well--known fox');
    expect(p.params.version).toBe('7');
  });

  it('adds up repeated lists and keeps the last of a repeated value, with a warning', () => {
    const p = parsePrompt('x --no a --no b --c 1 --c 2');
    expect(p.params).toEqual({ no: ['a', 'b'], chaos: 2 });
    expect(p.warnings.map((w) => w.kind)).toEqual(['repeated']);
  });

  it('keeps an unreadable value verbatim', () => {
    expect(printPrompt(parsePrompt('x --chaos lots'))).toBe('x --chaos lots');
  });
});

describe('the rules table', () => {
  it('names a documentation page for every rule and every parameter', () => {
    for (const r of PARAM_RULES) expect(MJ_DOCS[r.doc]).toMatch(/^https:\/\/docs\.midjourney\.com\//);
    for (const n of PARAM_NAMES) expect(MJ_DOCS[PARAM_SPECS[n].doc]).toBeDefined();
  });

  it('is documented rule by rule in docs/prompt-parameters.md', () => {
    const doc = readFileSync(path.resolve(__dirname, '../../../docs/prompt-parameters.md'), 'utf8');
    for (const r of PARAM_RULES) expect(doc).toContain(`\`${r.id}\``);
    for (const url of Object.values(MJ_DOCS)) expect(doc).toContain(url);
  });

  it('checks a prompt without a version against the niji line when the job runs on the niji bot', () => {
    const prompt = 'a fox --oref https://example.com/o.png';
    expect(checkPromptParams(prompt).problems).toEqual([]);
    expect(checkPromptParams(prompt, { line: 'niji' }).problems[0]).toMatchObject({
      rule: 'oref-version',
      message: expect.stringContaining('(not niji 7)') as string,
    });
  });

  it('checks a video prompt without --video', () => {
    expect(checkPromptParams('waves --motion low --bs 4', { video: true }).problems).toEqual([]);
    expect(checkPromptParams('waves --motion low').problems[0]?.rule).toBe('motion-video');
  });
});

describe('assertPromptParams', () => {
  it('throws MjPromptParamError naming the field, the parameter, the rule and its page', () => {
    let err: unknown;
    try {
      assertPromptParams('a fox --oref https://x.test/a.png --v 8.1', 'input.prompt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MjPromptParamError);
    expect(err).toBeInstanceOf(MjInputError);
    expect(err).toMatchObject({
      code: 'MJ_INVALID_INPUT',
      field: 'input.prompt',
      param: '--oref',
      paramRule: 'oref-version',
      source: MJ_DOCS.omniReference,
    });
    expect((err as Error).message).toContain('--oref works only with V7 (not V8.1)');
  });

  it('returns the warnings of a prompt it lets through', () => {
    expect(assertPromptParams('a fox --vibe 2').map((w) => w.param)).toEqual(['--vibe']);
  });
});
