/**
 * The CLI as a subprocess (tsx) with `--json` (and once without, for the text a person reads), against a dev server,
 * a worker and the simulator in this process: JSON documents on stdout and the documented exit codes.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startClientStack, type ClientStack } from '../helpers/client-stack';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'src', 'cli', 'index.ts');

let stack: ClientStack;
let dir: string;
let cliEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mj-cli-it-'));
  // The worker stores where `npm start` puts it; the CLI (cwd = dir, no MJ_ASSET_DIR) must find it by default.
  stack = await startClientStack({ name: 'cli-it', assetDir: path.join(dir, 'data', 'assets'), sim: { seed: 3 } });
  // Only what the CLI needs: no inherited MJ_* or TEMPORAL_* from the machine running the tests.
  cliEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    TEMPORAL_ADDRESS: stack.env.address,
    TEMPORAL_NAMESPACE: stack.env.namespace ?? 'default',
    MJ_TASK_QUEUE: stack.taskQueue,
  };
});

afterAll(async () => {
  await stack?.stop();
});

interface CliRun {
  code: number;
  json: Record<string, unknown>;
  stderr: string;
}

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      TSX,
      [CLI, ...args, '--json'],
      { env: { ...cliEnv, ...extraEnv }, cwd: dir, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        try {
          resolve({ code, json: JSON.parse(stdout) as Record<string, unknown>, stderr });
        } catch {
          reject(new Error(`not one JSON document (exit ${code}):\n${stdout}\n${stderr}`));
        }
      }
    );
  });
}

/** The CLI without `--json`: the text a person reads (stdout) and the live progress (stderr, not a TTY here). */
function cliText(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [CLI, ...args], { env: cliEnv, cwd: dir, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('mj CLI --json', () => {
  let jobId: string;

  it('imagine --wait: exit 0 and the result', async () => {
    const r = await cli(['imagine', 'a', 'paper', 'boat', '--wait']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      ok: true,
      alreadyStarted: false,
      result: { task: { status: 'SUCCESS', prompt: 'a paper boat' } },
    });
    jobId = r.json.jobId as string;
    expect(jobId).toMatch(/^mj-job-/);
  });

  it('status, list, and an idempotent restart with --id', async () => {
    const s = await cli(['status', jobId]);
    expect(s.code).toBe(0);
    expect(s.json).toMatchObject({
      ok: true,
      kind: 'job',
      executionStatus: 'COMPLETED',
      progress: { phase: 'succeeded' },
    });

    const key = `cli-${randomUUID()}`;
    const a = await cli(['imagine', 'a kite', '--id', key]);
    const b = await cli(['imagine', 'a kite', '--id', key]);
    expect(a.json).toMatchObject({ ok: true, jobId: `mj-job-${key}`, alreadyStarted: false });
    expect(b.json).toMatchObject({ ok: true, jobId: `mj-job-${key}`, alreadyStarted: true });

    const list = await cli(['list', '--limit', '100']);
    expect(list.code).toBe(0);
    expect((list.json.jobs as { jobId: string }[]).map((j) => j.jobId)).toContain(jobId);
  });

  it('action and download', async () => {
    const up = await cli(['action', jobId, 'U2', '--wait']);
    expect(up.code).toBe(0);
    expect(up.json).toMatchObject({ ok: true, result: { task: { action: 'UPSCALE', status: 'SUCCESS' } } });
    const out = path.join(dir, 'downloads');
    const dl = await cli(['download', up.json.jobId as string, '--out', out]);
    expect(dl.code).toBe(0);
    expect((dl.json.files as string[]).length).toBeGreaterThan(0);
    expect(readdirSync(out).length).toBe((dl.json.files as string[]).length);
  });

  it('action on an id that names no job: exit 3 naming the id, nothing started; --task acts on a task', async () => {
    for (const [n, id] of ['nonexistent-job', '1234'].entries()) {
      const r = await cli(['action', id, 'U1', '--id', `typo-${n}`]);
      expect(r.code).toBe(3);
      expect(r.json).toMatchObject({ ok: false, exitCode: 3, error: { code: 'JOB_NOT_FOUND', jobId: id } });
      expect((r.json.error as { message: string }).message).toContain(id);
      expect((await cli(['status', `typo-${n}`])).code).toBe(3);
    }
    const grid = (await cli(['status', jobId])).json as { progress: { taskId: string } };
    const r = await cli(['action', '--task', grid.progress.taskId, 'U4', '--wait']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ ok: true, result: { task: { action: 'UPSCALE', status: 'SUCCESS' } } });
    expect((await cli(['action', '--task', grid.progress.taskId])).code).toBe(2);
    const unknown = await cli(['action', '--task', '1799999999999998', 'U1', '--wait']);
    expect(unknown.code).toBe(1);
    expect(unknown.json).toMatchObject({
      ok: false,
      error: {
        code: 'JOB_FAILED',
        type: 'ParentTaskNotFound',
        details: { field: 'parentTaskId', taskId: '1799999999999998' },
      },
    });
  });

  it('status, watch, modal and cancel accept the id chosen with --id', async () => {
    const key = `p-${randomUUID().slice(0, 8)}`;
    expect((await cli(['imagine', 'a chosen id', '--id', key, '--wait'])).code).toBe(0);
    expect((await cli(['status', key])).json).toMatchObject({ ok: true, jobId: `mj-job-${key}`, kind: 'job' });
    expect((await cli(['watch', key])).json).toMatchObject({ ok: true, executionStatus: 'COMPLETED' });
    const modal = await cli(['modal', key, '--prompt', 'a hat']);
    expect(modal.code).toBe(2);
    expect(modal.json).toMatchObject({ error: { field: 'jobId', rule: expect.stringContaining('COMPLETED') } });
    const relaxKey = `r-${randomUUID().slice(0, 8)}`;
    expect((await cli(['imagine', 'a slow one', '--id', relaxKey, '--mode', 'RELAX'])).code).toBe(0);
    expect((await cli(['cancel', relaxKey])).json).toMatchObject({ ok: true, cancelRequested: true });
    const after = await cli(['watch', relaxKey]);
    expect(after.code).toBe(1);
    expect(after.json).toMatchObject({ executionStatus: 'CANCELLED' });
  });

  it('exit 1 when the job fails', async () => {
    const r = await cli(['imagine', 'a storm --sim-fail content-policy', '--wait']);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ ok: false, exitCode: 1, error: { code: 'JOB_FAILED', type: 'ContentPolicy' } });
  });

  it('exit 2 for bad input, naming the field, with nothing started', async () => {
    const empty = await cli(['imagine', '  ', '--id', 'never-started']);
    expect(empty.code).toBe(2);
    expect(empty.json).toMatchObject({ ok: false, error: { code: 'MJ_INVALID_INPUT', field: 'prompt' } });
    expect((await cli(['status', 'mj-job-never-started'])).code).toBe(3);

    const intent = await cli(['action', jobId, 'zoom', 'sideways']);
    expect(intent.code).toBe(2);
    expect(intent.json).toMatchObject({ error: { field: 'intent' } });

    const mode = await cli(['imagine', 'x', '--mode', 'SLOW']);
    expect(mode.code).toBe(2);

    const bad = path.join(dir, 'bad-pipeline.json');
    writeFileSync(bad, JSON.stringify({ name: 'p', steps: [{ id: 'up', from: 'nowhere', action: 'U9' }] }));
    const spec = await cli(['pipeline', bad]);
    expect(spec.code).toBe(2);
    expect(spec.json).toMatchObject({ ok: false, error: { code: 'PIPELINE_INVALID' } });
    expect(((spec.json.error as { issues: unknown[] }).issues ?? []).length).toBeGreaterThan(0);

    const unknownOption = await cli(['imagine', 'x', '--frobnicate']);
    expect(unknownOption.code).toBe(2);
  });

  it('exit 3 for unknown jobs, schedules and files', async () => {
    for (const args of [
      ['status', 'mj-job-nope'],
      ['cancel', 'mj-job-nope'],
      ['schedule', 'delete', 'nope'],
      ['pipeline', path.join(dir, 'missing.json')],
    ]) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 3 });
      expect(r.json.ok).toBe(false);
    }
  });

  it('exit 4 when Temporal is unreachable', async () => {
    const r = await cli(['status', 'mj-job-x'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(4);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'TEMPORAL_UNREACHABLE' } });
  });

  it('batch from a prompt file, and schedules for it', async () => {
    const file = path.join(dir, 'prompts.txt');
    writeFileSync(file, '# tonight\na fox\n\na hare\n');
    const r = await cli(['batch', file, '--concurrency', '2', '--wait']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ ok: true, result: { summary: { total: 2, succeeded: 2 } } });

    const id = `nightly-${randomUUID().slice(0, 8)}`;
    const created = await cli(['schedule', 'create', id, '--cron', '0 2 * * *', '--prompt-file', file]);
    expect(created.code).toBe(0);
    expect(created.json).toMatchObject({ ok: true, scheduleId: id, items: 2 });
    expect((created.json.nextRuns as string[])[0]).toMatch(/T02:00:00/);
    const listed = await cli(['schedule', 'list']);
    expect((listed.json.schedules as { scheduleId: string }[]).map((s) => s.scheduleId)).toContain(id);
    expect((await cli(['schedule', 'delete', id])).code).toBe(0);
    expect((await cli(['schedule', 'create', 'x', '--cron', 'sometimes', '--prompt-file', file])).code).toBe(2);
  });

  it('batch --wait without --json: one progress line for the batch, and the stored copies in the summary', async () => {
    const file = path.join(dir, 'prompts-human.txt');
    writeFileSync(file, 'an owl\na lynx\na stoat\n');
    const r = await cliText(['batch', file, '--concurrency', '3', '--wait']);
    expect(r.code).toBe(0);
    // Off a TTY: the batch's line when first seen and once at the end, never a line per item.
    const progress = r.stderr.split('\n').filter((l) => l.startsWith('mj-batch-'));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toMatch(/3\/3 done · 0 failed · 0 running · 0 waiting · [\d.]+\/min · (took|ETA) /);
    expect(r.stderr).not.toMatch(/^\s+item-\d/m);
    const assets = path.join(dir, 'data', 'assets');
    for (const item of ['item-1', 'item-2', 'item-3']) {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`  ${item}: succeeded `));
      expect(line).toContain(assets);
      expect(line).not.toContain('upstream URL');
      const stored = line!.split(' ')[4]!;
      expect(existsSync(stored)).toBe(true);
    }
  });

  it('paged batch from CSV: status, pause, resume, results with files under readable names', async () => {
    const file = path.join(dir, 'catalogue.csv');
    writeFileSync(file, 'id,prompt,params\nlamp,"a brass lamp, studio light",--ar 3:2\nchair,an oak chair,\n');
    const started = await cli(['batch', file, '--id', `cat-${randomUUID().slice(0, 8)}`, '--concurrency', '1']);
    expect(started.code).toBe(0);
    expect(started.json).toMatchObject({ ok: true, engine: 'paged', estimate: { items: 2, priced: false } });
    const id = started.json.batchId as string;
    expect((await cli(['batch', 'pause', id])).json).toMatchObject({ ok: true, pause: true });
    expect((await cli(['batch', 'resume', id])).json).toMatchObject({ ok: true, resume: true });
    let status: CliRun;
    const until = Date.now() + 120_000;
    do {
      status = await cli(['batch', 'status', id]);
      expect(status.code).toBe(0);
    } while ((status.json.progress as { state: string }).state !== 'done' && Date.now() < until);
    expect(status.json.progress).toMatchObject({ state: 'done', total: 2, succeeded: 2 });

    const out = path.join(dir, 'files');
    const r = await cli(['batch', 'results', id, '--files', out]);
    expect(r.code).toBe(0);
    const lines = r.json.lines as { itemId: string; name?: string }[];
    expect([...new Set(lines.map((l) => l.itemId))].sort()).toEqual(['chair', 'lamp']);
    expect(r.json.files).toBeGreaterThanOrEqual(2);
    for (const l of lines.filter((x) => x.name)) expect(existsSync(path.join(out, l.name!))).toBe(true);
    expect(readdirSync(path.join(out, id)).sort()).toEqual(['chair', 'lamp']);

    const retry = await cli(['batch', 'retry', id]);
    expect(retry.code).toBe(2);
    expect(retry.json).toMatchObject({ ok: false, error: { code: 'BATCH_NOTHING_TO_RETRY' } });
  });

  it('config prints no secrets', async () => {
    const r = await cli(['config'], {
      MJ_API_KEY: 'super-secret-key-123',
      MJ_WEBHOOK_TOKEN: 'tok_3f9a2c71e4b85d06a1c94e7f',
    });
    expect(r.code).toBe(0);
    const text = JSON.stringify(r.json);
    expect(text).not.toContain('super-secret-key-123');
    expect(text).not.toContain('tok_3f9a2c71e4b85d06a1c94e7f');
    expect((r.json.config as { assets: { dir: string } }).assets.dir).toBe(path.join(dir, 'data', 'assets'));
    expect(existsSync(path.join(dir, 'data', 'assets'))).toBe(true);
  });

  it('status of a finished job without a running worker (last: it stops the worker)', async () => {
    await stack.stopWorker();
    const r = await cli(['status', jobId]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      ok: true,
      kind: 'job',
      executionStatus: 'COMPLETED',
      source: 'closed',
      progress: { phase: 'succeeded', status: 'SUCCESS', progressPct: 100 },
    });
  });
});
