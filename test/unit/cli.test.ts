/**
 * The CLI's wiring without a server: every command registered from its own file, and argument mistakes refused
 * (exit 2) before anything connects. TEMPORAL_ADDRESS points at a closed port: reaching it would exit 4 instead.
 */
import { Writable } from 'node:stream';
import { buildProgram, CliContext, EXIT, main } from '../../src/cli';

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

async function cli(args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  const stdout = sink();
  const code = await main(
    ['node', 'mj', ...args, '--json'],
    { TEMPORAL_ADDRESS: '127.0.0.1:1' },
    {
      stdout,
      stderr: sink(),
    }
  );
  return { code, json: JSON.parse(stdout.text()) as Record<string, unknown> };
}

describe('mj CLI wiring', () => {
  it('registers one command per file under src/cli/commands', () => {
    const names = buildProgram(new CliContext({ stdout: sink(), stderr: sink() }, {})).commands.map((c) => c.name());
    expect(names.sort()).toEqual(
      [
        'action',
        'batch',
        'blend',
        'cancel',
        'config',
        'cost',
        'deliveries',
        'describe',
        'download',
        'imagine',
        'keys',
        'list',
        'modal',
        'pipeline',
        'schedule',
        'shorten',
        'status',
        'upstreams',
        'watch',
      ].sort()
    );
  });

  it('action needs an intent, with a job id or with --task', async () => {
    for (const args of [
      ['action', 'mj-job-x'],
      ['action', '--task', '1748339029401828'],
    ]) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: EXIT.badInput });
      expect(r.json).toMatchObject({ ok: false, error: { field: 'intent' } });
    }
    expect((await cli(['action'])).json).toMatchObject({ ok: false, error: { field: 'jobId' } });
  });

  it('refuses a bad mode and a --branch without --step before connecting', async () => {
    expect((await cli(['imagine', 'x', '--mode', 'SLOW'])).code).toBe(EXIT.badInput);
    const r = await cli(['modal', 'mj-job-x', '--branch', 'U1']);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.json).toMatchObject({ error: { field: '--step' } });
  });

  it('a job id on a closed port is "unreachable", proving the cases above never connected', async () => {
    expect((await cli(['status', 'mj-job-x'])).code).toBe(EXIT.unreachable);
  });
});
