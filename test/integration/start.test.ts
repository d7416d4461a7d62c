/**
 * `npm start`'s entry as a subprocess: dev server (SQLite file), simulator, worker and webhook receiver on free ports
 * in a temp data directory. A job submitted through the CLI completes end to end; SIGINT stops everything cleanly;
 * a second start on the same directory still knows the job, and prunes progress entries older than the retention.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/chaos-temporal';
import {
  ROOT,
  startStack as start,
  stopStack as stop,
  TSX,
  type StartedStack as Started,
} from '../helpers/start-process';

jest.setTimeout(300_000);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    execFile(
      TSX,
      [path.join(ROOT, 'src', 'cli', 'index.ts'), ...args, '--json'],
      { env, cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        try {
          resolve({ code, json: JSON.parse(stdout) as Record<string, unknown> });
        } catch {
          reject(new Error(`CLI printed no JSON (exit ${code}): ${stdout}\n${stderr}`));
        }
      }
    );
  });
}

describe('npm start', () => {
  let running: Started | undefined;

  afterEach(async () => {
    if (running && running.child.exitCode === null) await stop(running);
    running = undefined;
  });

  it('runs a job end to end, stops on SIGINT, and resumes from the same data directory', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mj-start-it-'));
    const [temporalPort, uiPort] = [await freePort(), await freePort()];
    const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dataDir };
    const startEnv = {
      ...base,
      MJ_DATA_DIR: dataDir,
      MJ_DEV_TEMPORAL_PORT: String(temporalPort),
      MJ_DEV_UI_PORT: String(uiPort),
      MJ_WEBHOOK_PORT: '0',
      MJ_DEV_SIMULATOR_PORT: '0',
      MJ_DEV_TIME_SCALE: '40',
      MJ_LOG_LEVEL: 'warn',
    };
    const cliEnv = {
      ...base,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      MJ_ASSET_DIR: path.join(dataDir, 'assets'),
    };

    running = await start(startEnv);
    expect(running.stdout()).toContain(`Temporal UI   http://127.0.0.1:${uiPort}`);
    expect(running.stdout()).toContain('npm run cli -- imagine "a cat" --wait');

    const r = await cli(['imagine', 'a', 'cat', '--wait'], cliEnv);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ ok: true, result: { task: { status: 'SUCCESS' } } });
    const jobId = r.json.jobId as string;
    expect(existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'assets'))).toBe(true);

    expect(await stop(running)).toBe(0);
    expect(running.stdout()).toContain('stopped');
    // The dev server went down with it.
    expect(await portOpen(temporalPort)).toBe(false);

    // The receiver prunes progress entries no delivery touched within MJ_PROGRESS_RETENTION (24 h) when it starts.
    const progressDir = path.join(dataDir, 'progress');
    mkdirSync(progressDir, { recursive: true });
    const stale = path.join(progressDir, '1700000000000001.json');
    const fresh = path.join(progressDir, '1700000000000002.json');
    for (const f of [stale, fresh]) writeFileSync(f, '{}');
    const twoDaysAgo = (Date.now() - 48 * 3_600_000) / 1000;
    utimesSync(stale, twoDaysAgo, twoDaysAgo);

    running = await start(startEnv);
    for (const until = Date.now() + 20_000; existsSync(stale) && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    const status = await cli(['status', jobId], cliEnv);
    expect(status.json).toMatchObject({ ok: true, executionStatus: 'COMPLETED' });
    expect(await stop(running)).toBe(0);
  });
});
