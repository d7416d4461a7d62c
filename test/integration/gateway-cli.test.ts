/**
 * The gateway's CLI commands as a subprocess (tsx) against a whole gateway stack (dev server, simulator, job worker,
 * gateway on loopback): `keys create|list|revoke` (a created key works, a revoked one gets 401, no command but
 * `create` prints a key) and `deliveries <taskId> [--replay]` over a real job's callbacks to a real receiver.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SEQUENCE_HEADER } from '../../src/gateway/callbacks/callback-activities';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'src', 'cli', 'index.ts');

let stack: GatewayStack;
let cliEnv: NodeJS.ProcessEnv;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function cli(args: string[], opts: { json?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const argv = [CLI, ...args, ...(opts.json === false ? [] : ['--json'])];
  return new Promise((resolve) => {
    execFile(TSX, argv, { env: { ...cliEnv, ...opts.env }, cwd: ROOT, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

/** A notifyHook receiver on loopback that records the sequence of every delivery. */
async function startReceiver(): Promise<{ url: string; seqs: number[]; close(): Promise<void> }> {
  const seqs: number[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seqs.push(Number(req.headers[SEQUENCE_HEADER.toLowerCase()]));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    seqs,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  stack = await startGatewayStack({
    gateway: { allowPrivateHooks: true, callbackRetry: { initialInterval: '200ms', maximumInterval: '1s' } },
  });
  // Only what the CLI needs: no MJ_* or TEMPORAL_* inherited from the machine running the tests.
  cliEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: stack.env.address,
    TEMPORAL_NAMESPACE: stack.env.namespace ?? 'default',
    MJ_TASK_QUEUE: stack.config.worker.taskQueue,
    MJ_GATEWAY_TASK_QUEUE: stack.gateway.options.taskQueue,
  };
});
afterAll(async () => stack?.stop());

describe('keys', () => {
  it('with no gateway worker on the task queue: a clear error instead of waiting for one', async () => {
    const r = await cli(['keys', 'create', 'early'], { env: { MJ_GATEWAY_TASK_QUEUE: 'nobody-polls-this' } });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'GATEWAY_NOT_RUNNING' } });
    expect(r.json.error.message).toContain('nobody-polls-this');
  });

  it('bad tenant names: exit 2 naming the field, nothing created', async () => {
    for (const tenant of ['', 'Upper', 'has space', '_first', 'x'.repeat(41)]) {
      const r = await cli(['keys', 'create', tenant]);
      expect({ tenant, code: r.code }).toEqual({ tenant, code: 2 });
      expect(r.json).toMatchObject({ ok: false, error: { code: 'MJ_INVALID_INPUT', field: 'tenant' } });
    }
    expect((await cli(['keys', 'list', '--tenant', 'Bad'])).json).toMatchObject({ error: { field: 'tenant' } });
    expect((await cli(['keys', 'list'])).json).toEqual({ ok: true, keys: [] });
  });

  it('create --json → the key works → list shows it without the key → revoke → 401', async () => {
    const created = await cli(['keys', 'create', 'acme', '--label', 'chat ui']);
    expect(created.code).toBe(0);
    expect(Object.keys(created.json)).toEqual(['tenant', 'apiKey']);
    const apiKey: string = created.json.apiKey;
    expect(created.stdout).toBe(`${JSON.stringify({ tenant: 'acme', apiKey })}\n`);
    const keyId = /^mjk_([a-z0-9]{12})_/.exec(apiKey)?.[1];
    expect(keyId).toBeDefined();

    const submit = await call(stack, 'POST', '/mj/submit/imagine', { key: apiKey, body: { prompt: 'a cli key' } });
    expect(submit.json).toMatchObject({ code: 1 });
    // Kept for the deliveries test: a task without a notifyHook.
    noHookTaskId = submit.json.result;

    const secretPart = apiKey.slice(`mjk_${keyId}_`.length);
    const list = await cli(['keys', 'list', '--tenant', 'acme']);
    expect(list.code).toBe(0);
    expect(list.json.keys).toEqual([
      { tenant: 'acme', keyId, prefix: `mjk_${keyId}_`, createdAt: expect.any(String), label: 'chat ui' },
    ]);
    const human = await cli(['keys', 'list'], { json: false });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(keyId);
    for (const out of [list.stdout, human.stdout, human.stderr]) expect(out).not.toContain(secretPart);

    const revoked = await cli(['keys', 'revoke', keyId!]);
    expect(revoked.code).toBe(0);
    expect(revoked.json).toEqual({ ok: true, keyId, tenant: 'acme', revoked: true });
    expect((await cli(['keys', 'list'])).json.keys[0]).toMatchObject({ keyId, revokedAt: expect.any(String) });
    // The gateway trusts its copy of the registry for tenantCacheMs (200 ms here).
    await new Promise((r) => setTimeout(r, 400));
    const refused = await call(stack, 'POST', '/mj/submit/imagine', { key: apiKey, body: { prompt: 'refused' } });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ code: expect.any(Number), description: expect.any(String) });

    expect((await cli(['keys', 'revoke', keyId!])).json).toMatchObject({ ok: true, revoked: false });
  });

  it('revoke of an unknown id: exit 3 naming keyId; a malformed one: exit 2, not echoed', async () => {
    const unknown = await cli(['keys', 'revoke', 'zzzzzzzzzzzz']);
    expect(unknown.code).toBe(3);
    expect(unknown.json).toMatchObject({ ok: false, error: { code: 'API_KEY_NOT_FOUND', field: 'keyId' } });
    const bad = await cli(['keys', 'revoke', 'mjk_NOT-A-KEY']);
    expect(bad.code).toBe(2);
    expect(bad.json).toMatchObject({ ok: false, error: { code: 'MJ_INVALID_INPUT', field: 'keyId' } });
    expect(bad.stdout).not.toContain('NOT-A-KEY');
  });
});

let noHookTaskId: string;

describe('deliveries', () => {
  it('lists the deliveries of a task with a notifyHook (no secrets), and --replay re-delivers one', async () => {
    const key = (await stack.gateway.tenants.createKey('hooks')).apiKey;
    const receiver = await startReceiver();
    try {
      const submit = await call(stack, 'POST', '/mj/submit/imagine', {
        key,
        body: { prompt: 'a hooked cli job', notifyHook: `${receiver.url}?token=receiver-secret-token` },
      });
      expect(submit.json).toMatchObject({ code: 1 });
      const taskId: string = submit.json.result;
      await waitForStatus(stack, key, taskId, ['SUCCESS']);

      // Every change is delivered (the last is the SUCCESS one); then the log says so.
      let log: CliRun | undefined;
      await until('every change delivered', () => receiver.seqs.length > 1, 30_000);
      const deadline = Date.now() + 30_000;
      for (;;) {
        log = await cli(['deliveries', taskId]);
        const rows: { status: string }[] = log.json?.deliveries ?? [];
        if ((rows.length > 0 && rows.every((d) => d.status === 'delivered') && log.json.done) || Date.now() > deadline)
          break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(log.code).toBe(0);
      expect(log.json).toMatchObject({ ok: true, taskId, tenant: 'hooks', hook: `${receiver.url}?…`, done: true });
      const rows: { seq: number; status: string; httpStatus: number; attempts: number; at: string }[] =
        log.json.deliveries;
      expect(rows.map((d) => d.seq)).toEqual([...new Set(receiver.seqs)].sort((a, b) => a - b));
      for (const d of rows) {
        expect(d).toMatchObject({ status: 'delivered', httpStatus: 200, attempts: expect.any(Number) });
        expect(Number.isNaN(Date.parse(d.at))).toBe(false);
      }
      expect(rows.at(-1)).toMatchObject({ phase: 'succeeded' });
      expect(log.stdout).not.toContain('receiver-secret-token');
      expect(log.stdout.toLowerCase()).not.toContain('signature');
      const human = await cli(['deliveries', taskId], { json: false });
      expect(human.stdout).toContain(`task ${taskId} (tenant hooks)`);
      expect(human.stdout).not.toContain('receiver-secret-token');

      const before = receiver.seqs.length;
      const replay = await cli(['deliveries', taskId, '--replay', '--seq', '1']);
      expect(replay.code).toBe(0);
      expect(replay.json).toEqual({ ok: true, taskId, tenant: 'hooks', queued: 1 });
      await until('the replayed delivery', () => receiver.seqs.length > before);
      expect(receiver.seqs[before]).toBe(1);
      const after = await cli(['deliveries', taskId]);
      expect(after.json.deliveries[0]).toMatchObject({ seq: 1, replays: 1 });

      const badSeq = await cli(['deliveries', taskId, '--replay', '--seq', '999']);
      expect(badSeq.code).toBe(2);
      expect(badSeq.json).toMatchObject({ ok: false, error: { code: 'MJ_INVALID_INPUT', field: 'seq' } });
      expect((await cli(['deliveries', taskId, '--seq', '1'])).json).toMatchObject({
        error: { code: 'CLI_INVALID_INPUT' },
      });
    } finally {
      await receiver.close();
    }
  });

  it('a task id that names nothing, or a task without a notifyHook: exit 3; a malformed id: exit 2', async () => {
    const none = await cli(['deliveries', '1234567890123456']);
    expect(none.code).toBe(3);
    expect(none.json).toMatchObject({ ok: false, error: { code: 'TASK_NOT_FOUND', field: 'taskId', rule: 'exists' } });
    const noHook = await cli(['deliveries', noHookTaskId]);
    expect(noHook.code).toBe(3);
    expect(noHook.json).toMatchObject({ error: { code: 'TASK_NOT_FOUND', rule: 'notify-hook' } });
    expect(noHook.json.error.message).toContain('notifyHook');
    const bad = await cli(['deliveries', '12ab']);
    expect(bad.code).toBe(2);
    expect(bad.json).toMatchObject({ error: { code: 'MJ_INVALID_INPUT', field: 'taskId' } });
  });
});
