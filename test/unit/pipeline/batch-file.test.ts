/** Item lists of the paged batch engine: prompt lines, JSON Lines and CSV, and errors that name line and field. */
import { BatchSpecError } from '../../../src/pipeline/errors';
import { formatOfFileName, parseBatchItems } from '../../../src/pipeline/batch-file';
import { CsvSyntaxError, parseCsv } from '../../../src/pipeline/csv';

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BatchSpecError);
    return (err as BatchSpecError).issues;
  }
  throw new Error('expected a BatchSpecError');
}

describe('parseCsv', () => {
  it('reads quoted commas, doubled quotes and line breaks inside quotes, with the line each record starts on', () => {
    const text = 'id,prompt\r\na1,"a cat, sitting"\n\na2,"say ""hi"""\na3,"two\nlines"\na4,plain\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['id', 'prompt'] },
      { line: 2, fields: ['a1', 'a cat, sitting'] },
      { line: 4, fields: ['a2', 'say "hi"'] },
      { line: 5, fields: ['a3', 'two\nlines'] },
      { line: 7, fields: ['a4', 'plain'] },
    ]);
  });

  it('keeps empty fields and an empty quoted last field', () => {
    expect(parseCsv('a,,""')).toEqual([{ line: 1, fields: ['a', '', ''] }]);
  });

  it('refuses an unclosed quote and text after a closing quote, naming the line', () => {
    expect(() => parseCsv('id,prompt\nx,"open')).toThrow(new CsvSyntaxError(2, 'a quoted field is never closed'));
    expect(() => parseCsv('id,prompt\nx,"a"b')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('x,a"b')).toThrow(/line 1: a quote inside an unquoted field 2/);
  });
});

describe('parseBatchItems', () => {
  it('reads prompt lines, skipping comments and blanks, naming items in order', () => {
    expect(parseBatchItems('# header\na cat\n\na dog\n', 'lines')).toEqual([
      { id: 'item-1', prompt: 'a cat', line: 2 },
      { id: 'item-2', prompt: 'a dog', line: 4 },
    ]);
  });

  it('reads JSON Lines with per-item mode, account, params and id', () => {
    const text = [
      '{"id":"sku-1","prompt":"a lamp","mode":"RELAX","account":"night","params":"--ar 3:2"}',
      '"a bare prompt"',
      '{"request":{"kind":"describe","image":{"url":"https://example.com/a.png"}}}',
    ].join('\n');
    expect(parseBatchItems(text, 'jsonl')).toEqual([
      { id: 'sku-1', line: 1, prompt: 'a lamp', mode: 'RELAX', account: 'night', params: '--ar 3:2' },
      { id: 'item-2', line: 2, prompt: 'a bare prompt' },
      { id: 'item-3', line: 3, request: { kind: 'describe', image: { url: 'https://example.com/a.png' } } },
    ]);
  });

  it('names the line and the field of every bad JSON line', () => {
    const text = ['{"prompt":"ok"}', '{"prompt":"x", "mode":"SLOW"}', 'not json', '{"prompt":"y","colour":1}'].join(
      '\n'
    );
    const issues = issuesOf(() => parseBatchItems(text, 'jsonl'));
    expect(issues.map((i) => i.path)).toEqual(['line 2.mode', 'line 3', 'line 4']);
    expect(issues[1]!.message).toMatch(/^not JSON/);
    expect(issues[2]!.message).toMatch(/colour/);
  });

  it('refuses an item with neither or both of prompt and request, and params beside a request', () => {
    const text = ['{"id":"a1"}', '{"prompt":"p","request":{"kind":"imagine","prompt":"q"}}'].join('\n');
    expect(issuesOf(() => parseBatchItems(text, 'jsonl')).map((i) => i.path)).toEqual([
      'line 1.prompt',
      'line 2.prompt',
    ]);
    const withParams = '{"request":{"kind":"imagine","prompt":"q"},"params":"--ar 1:1"}';
    expect(issuesOf(() => parseBatchItems(withParams, 'jsonl'))[0]!.path).toBe('line 1.params');
  });

  it('reads CSV by its header, empty cells as absent fields', () => {
    const text = 'id,prompt,mode,params\nlamp-1,"a lamp, brass",RELAX,--ar 3:2\nlamp-2,a chair,,\n';
    expect(parseBatchItems(text, 'csv')).toEqual([
      { id: 'lamp-1', line: 2, prompt: 'a lamp, brass', mode: 'RELAX', params: '--ar 3:2' },
      { id: 'lamp-2', line: 3, prompt: 'a chair' },
    ]);
  });

  it('names unknown columns, a missing prompt column and rows of the wrong width', () => {
    expect(issuesOf(() => parseBatchItems('id,text\na,b\n', 'csv')).map((i) => i.path)).toEqual([
      'line 1.text',
      'line 1',
    ]);
    expect(issuesOf(() => parseBatchItems('id,prompt\na,b,c\nd,"e\n', 'csv'))).toEqual([
      { path: 'line 3', rule: 'schema', message: 'a quoted field is never closed' },
    ]);
    expect(issuesOf(() => parseBatchItems('id,prompt\na,b,c\n', 'csv'))[0]).toMatchObject({ path: 'line 2' });
  });

  it('names a duplicate id with the line that used it first', () => {
    const issues = issuesOf(() => parseBatchItems('{"id":"a","prompt":"x"}\n{"id":"a","prompt":"y"}', 'jsonl'));
    expect(issues).toEqual([
      { path: 'line 2.id', rule: 'duplicate-item-id', message: 'duplicate item id "a" (first used on line 1)' },
    ]);
  });

  it('takes 10,000 items and more', () => {
    const text = Array.from({ length: 12_000 }, (_, i) => `prompt ${i}`).join('\n');
    expect(parseBatchItems(text, 'lines')).toHaveLength(12_000);
  });

  it('picks the format from the file name', () => {
    expect([formatOfFileName('a.JSONL'), formatOfFileName('b.csv'), formatOfFileName('c.txt')]).toEqual([
      'jsonl',
      'csv',
      'lines',
    ]);
  });
});
