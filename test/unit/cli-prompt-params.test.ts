/**
 * `imagine` runs the prompt table through the parameter rules before it connects: a refused prompt exits 2 (bad
 * input) naming the parameter and the rule, a valid one gets as far as connecting (exit 4: TEMPORAL_ADDRESS is a
 * closed port), and unknown parameters are warned about on stderr without changing the exit code.
 */
import { Writable } from 'node:stream';
import { EXIT, main } from '../../src/cli';
import { PROMPT_ROWS } from '../fixtures/mj/prompt-params-table';

function sink(): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  w.text = () => text;
  return w;
}

async function imagine(prompt: string) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(
    ['node', 'mj', 'imagine', prompt, '--json'],
    { TEMPORAL_ADDRESS: '127.0.0.1:1' },
    { stdout, stderr }
  );
  return { code, json: JSON.parse(stdout.text()) as Record<string, unknown>, stderr: stderr.text() };
}

describe('mj imagine and the prompt table', () => {
  it.each(PROMPT_ROWS.map((r) => [r.prompt, r] as const))('%s', async (prompt, row) => {
    const r = await imagine(prompt);
    if (row.refused) {
      expect(r.code).toBe(EXIT.badInput);
      expect(r.json).toMatchObject({
        ok: false,
        error: { code: 'MJ_INVALID_INPUT', field: 'prompt', param: row.param, paramRule: row.refused },
      });
      expect(String((r.json.error as { message: string }).message)).toContain(row.param!);
    } else expect(r.code).toBe(EXIT.unreachable);
    if (row.warns) expect(r.stderr).toContain(`warning: ${row.warns}`);
  });
});
