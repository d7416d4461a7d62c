/**
 * The client package (`packages/client`), tried the way a backend service would: `npm pack` it (prepack builds its
 * `lib/`), install the tarball into an empty scratch project under a temp dir with the network off (`npm ci
 * --offline`, pinned to this repository's lockfile: see test/helpers/scratch-lockfile.ts), check the installed tree
 * holds neither the worker nor `sharp`, type-check a TypeScript file against the shipped declarations through the
 * `exports` map, and run a job with the installed `MjJobsClient` against a real dev server, a worker from this
 * repository and the simulator.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startClientStack, type ClientStack } from '../helpers/client-stack';
import { writeScratchProject } from '../helpers/scratch-lockfile';

jest.setTimeout(600_000);

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const PKG_DIR = path.join(ROOT, 'packages', 'client');
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');
/** npm without the network: any request that the cache cannot answer fails instead of going out. */
const OFFLINE = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };

let stack: ClientStack;
let dir: string;
let app: string;
let name: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mj-client-package-it-'));
  app = path.join(dir, 'app');
  mkdirSync(app);
  // Pack and install while the server and worker start: the two are independent and packing is the slow part.
  const installed = (async () => {
    await run('npm', ['pack', '--pack-destination', dir], { cwd: PKG_DIR, maxBuffer: 64 << 20 });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    name = writeScratchProject(app, path.join(dir, tarball), path.join(ROOT, 'package-lock.json')).name;
    await run('npm', ['ci', '--offline'], { cwd: app, env: OFFLINE, maxBuffer: 64 << 20 });
  })();
  stack = await startClientStack({ name: 'client-package-it', assetDir: path.join(dir, 'assets'), sim: { seed: 5 } });
  await installed;
});

afterAll(async () => {
  await stack?.stop();
});

const USER_TS = `
import { JobNotFoundError, MjInputError, MjJobsClient, type JobHandle } from '@mj-temporal/client';
import { MjClient, isMjError } from '@mj-temporal/client/mj';

export async function start(mj: MjJobsClient): Promise<JobHandle> {
  void MjClient;
  void isMjError;
  void JobNotFoundError;
  void MjInputError;
  return mj.imagine('a typed fox', { mode: 'FAST' });
}
`;

const USER_JS = `
const { MjJobsClient, JobNotFoundError } = require('@mj-temporal/client');
const { isMjError } = require('@mj-temporal/client/mj');
(async () => {
  const mj = await MjJobsClient.connect();
  try {
    const job = await mj.imagine('a packaged fox --ar 3:2', { jobId: process.argv[2] });
    const result = await job.result();
    const missing = await mj.action('nonexistent-job', 'U1').catch((e) => e);
    const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/]/.test(f));
    console.log(JSON.stringify({
      jobId: job.jobId,
      result,
      notFound: missing instanceof JobNotFoundError,
      mjError: typeof isMjError,
      outside: loaded.filter((f) => !f.startsWith(__dirname)),
    }));
  } finally {
    await mj.close();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

describe('the client package', () => {
  it('installs offline with neither the worker nor sharp in its tree', async () => {
    expect(name).toBe('@mj-temporal/client');
    const { stdout } = await run('npm', ['ls', '--all', '--parseable'], {
      cwd: app,
      env: OFFLINE,
      maxBuffer: 64 << 20,
    });
    const installed = stdout
      .split('\n')
      .filter(Boolean)
      .map((p) => path.relative(path.join(app, 'node_modules'), p).split(path.sep).join('/'));
    expect(installed).toContain('@mj-temporal/client');
    expect(installed).toContain('@temporalio/client');
    const base = (p: string) => p.split('node_modules/').pop();
    expect(
      installed.filter((p) => ['sharp', '@temporalio/worker', '@temporalio/core-bridge'].includes(base(p)!))
    ).toEqual([]);
  });

  it('ships declarations the exports map resolves, and hides the internals', async () => {
    writeFileSync(path.join(app, 'user.ts'), USER_TS);
    // No --skipLibCheck: every shipped declaration must find the packages it names. Only the Temporal SDK's own
    // declarations fail that way (envconfig names @temporalio/worker, workflow names source-map), so only theirs pass.
    const typeRoots = path.join(ROOT, 'node_modules', '@types');
    const tscArgs = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16'];
    const check = (file: string) =>
      run(TSC, [...tscArgs, '--typeRoots', typeRoots, '--types', 'node', file], { cwd: app }).then(
        () => [],
        (err: { stdout?: string }) => (err.stdout ?? '').split('\n').filter((l) => /error TS/.test(l))
      );
    expect((await check('user.ts')).filter((l) => !l.startsWith('node_modules/@temporalio/'))).toEqual([]);
    writeFileSync(path.join(app, 'deep.ts'), `import { MjJobsClient } from '@mj-temporal/client/lib/client';\n`);
    expect(await check('deep.ts')).toEqual(
      expect.arrayContaining([expect.stringMatching(/Cannot find module '@mj-temporal\/client\/lib\/client'/)])
    );
  });

  it('the installed MjJobsClient runs a job on the dev server and gets its result', async () => {
    writeFileSync(path.join(app, 'user.js'), USER_JS);
    const key = `pkg-${randomUUID().slice(0, 8)}`;
    const { stdout } = await run(process.execPath, ['user.js', key], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        TEMPORAL_ADDRESS: stack.env.address,
        TEMPORAL_NAMESPACE: stack.env.namespace ?? 'default',
        MJ_TASK_QUEUE: stack.taskQueue,
        MJ_ASSET_DIR: path.join(dir, 'assets'),
      },
    });
    const out = JSON.parse(stdout) as {
      jobId: string;
      result: { task: { status: string } };
      notFound: boolean;
      mjError: string;
      outside: string[];
    };
    expect(out).toMatchObject({
      jobId: `mj-job-${key}`,
      result: { task: { status: 'SUCCESS' } },
      notFound: true,
      mjError: 'function',
      outside: [],
    });
    const desc = await stack.env.client.workflow.getHandle(out.jobId).describe();
    expect(desc.taskQueue).toBe(stack.taskQueue);
    expect(desc.status.name).toBe('COMPLETED');
  });
});
