/**
 * The table of task fields the gateway answers on its own (docs/gateway.md) is `PROXY_TASK_OWN_FIELDS`, row for row, so the
 * document and the parity test (which skips exactly those fields) cannot disagree. Reads files only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROXY_TASK_OWN_FIELDS } from '../../../src/gateway/tasks/task-view';

const GATEWAY_DOC = readFileSync(path.resolve(__dirname, '../../../docs/gateway.md'), 'utf8');
const HEADER = "| field | what the gateway answers instead of the upstream's value |";

/** The rows of the Markdown table whose header row is `header` (cells trimmed, padding ignored). */
function tableRows(markdown: string, header: string): string[][] {
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => cells(l).join(' | ') === cells(header).join(' | '));
  if (start < 0) throw new Error(`docs/gateway.md has no table with header ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.trim().startsWith('|')) break;
    rows.push(cells(line));
  }
  return rows;
}

test("docs/gateway.md's table of own fields is PROXY_TASK_OWN_FIELDS", () => {
  const rows = tableRows(GATEWAY_DOC, HEADER);
  expect(rows).toEqual(Object.entries(PROXY_TASK_OWN_FIELDS).map(([field, why]) => [`\`${field}\``, why]));
});
