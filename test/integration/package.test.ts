/**
 * The published client, tried the way a backend service would: `npm pack` this repository (prepack builds `lib/`),
 * install the tarball into a scratch project under a temp dir, type-check a TypeScript file against the shipped
 * declarations through the `exports` map, and start a job with the installed `MjJobsClient` against a real dev
 * server, a worker from this repository and the simulator.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startClientStack, type ClientStack } from '../helpers/client-stack';

jest.setTimeout(600_000);

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');

let stack: ClientStack;
let dir: string;
let app: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mj-package-it-'));
  app = path.join(dir, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
  // Pack and install while the server and worker start: the two are independent and packing is the slow part.
  const installed = (async () => {
    await run('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 64 << 20 });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, tarball)], {
      cwd: app,
      maxBuffer: 64 << 20,
    });
  })();
  stack = await startClientStack({ name: 'package-it', assetDir: path.join(dir, 'assets'), sim: { seed: 5 } });
  await installed;
});

afterAll(async () => {
  await stack?.stop();
});

const USER_TS = `
import { JobNotFoundError, MjJobsClient, type JobHandle } from 'mj-temporal';
import { MjJobsClient as Same } from 'mj-temporal/client';
import { MjClient, isMjError } from 'mj-temporal/mj';

export async function start(mj: MjJobsClient): Promise<JobHandle> {
  const same: Same = mj;
  void same;
  void MjClient;
  void isMjError;
  void JobNotFoundError;
  return mj.imagine('a typed fox', { mode: 'FAST' });
}
`;

const USER_JS = `
const { MjJobsClient, JobNotFoundError } = require('mj-temporal');
(async () => {
  const mj = await MjJobsClient.connect();
  try {
    const job = await mj.imagine('a packaged fox --ar 3:2', { jobId: process.argv[2] });
    const result = await job.result();
    const missing = await mj.action('nonexistent-job', 'U1').catch((e) => e);
    console.log(JSON.stringify({ jobId: job.jobId, result, notFound: missing instanceof JobNotFoundError }));
  } finally {
    await mj.close();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

describe('the npm package', () => {
  it('ships declarations the exports map resolves, and hides the internals', async () => {
    writeFileSync(path.join(app, 'user.ts'), USER_TS);
    const tscArgs = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--skipLibCheck'];
    await run(TSC, [...tscArgs, 'user.ts'], { cwd: app });
    writeFileSync(
      path.join(app, 'deep.ts'),
      `import { createWorker } from 'mj-temporal/lib/worker';\nvoid createWorker;\n`
    );
    const deep = await run(TSC, [...tscArgs, 'deep.ts'], { cwd: app }).then(
      () => 'compiled',
      (err: { stdout?: string }) => err.stdout ?? ''
    );
    expect(deep).toMatch(/Cannot find module 'mj-temporal\/lib\/worker'/);
  });

  it('the installed MjJobsClient starts a job on the dev server and gets its result', async () => {
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
    const out = JSON.parse(stdout) as { jobId: string; result: { task: { status: string } }; notFound: boolean };
    expect(out).toMatchObject({ jobId: `mj-job-${key}`, result: { task: { status: 'SUCCESS' } }, notFound: true });
    const desc = await stack.env.client.workflow.getHandle(out.jobId).describe();
    expect(desc.taskQueue).toBe(stack.taskQueue);
    expect(desc.status.name).toBe('COMPLETED');
  });
});
