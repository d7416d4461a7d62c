/**
 * `npm start` with the gateway: endpoints.json (and a dev key kept across restarts), and the demo's promise: a RELAX
 * job submitted through the gateway, the whole stack stopped and started again, the same task id reaches SUCCESS
 * with exactly one upstream submit (the simulator keeps its state under the data directory).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import type { Endpoints } from '../../src/gateway/dev-setup';
import {
  freeStackEnv,
  startStack as start,
  stopStack as stop,
  type StartedStack as Started,
} from '../helpers/start-process';

jest.setTimeout(300_000);

async function json(url: string, opts: { key?: string; body?: unknown } = {}) {
  const res = await request(url, {
    method: opts.body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(opts.key ? { 'mj-api-secret': opts.key } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  return (await res.body.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

test('endpoints.json, a dev key kept across restarts, and a RELAX job that resumes after stop/start', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mj-gw-start-'));
  const env = await freeStackEnv(dataDir, dataDir);

  let running: Started | undefined = await start(env);
  try {
    const first = JSON.parse(readFileSync(path.join(dataDir, 'endpoints.json'), 'utf8')) as Endpoints;
    expect(first).toMatchObject({
      temporal: expect.stringContaining(':'),
      simulator: { url: expect.stringMatching(/^http:/) },
      gateway: { baseUrl: expect.stringMatching(/^http:/), apiKey: expect.stringMatching(/^mjk_/) },
      console: { url: `${first.gateway.baseUrl}/console` },
      mcp: { url: `${first.gateway.baseUrl}/mcp` },
    });
    // The MCP endpoint is mounted too: it asks for the key.
    expect((await request(first.mcp!.url, { method: 'POST', body: '{}' })).statusCode).toBe(401);
    expect(running.stdout()).toContain(first.gateway.baseUrl);
    // The console is part of what `npm start` runs: its sign-in page is served by the gateway.
    expect(running.stdout()).toContain(first.console!.url);
    const signIn = await request(`${first.console!.url}/sign-in`);
    expect(signIn.statusCode).toBe(200);
    expect(String(signIn.headers['content-type'])).toMatch(/^text\/html/);
    expect(await signIn.body.text()).toContain('name="apiKey"');
    expect(running.stdout()).toContain(first.gateway.apiKey);
    const key = first.gateway.apiKey;
    const submit = await json(`${first.gateway.baseUrl}/mj-relax/mj/submit/imagine`, {
      key,
      body: { prompt: 'a relaxed cat across restarts' },
    });
    expect(submit.code).toBe(1);
    const id: string = submit.result;
    // Wait until the upstream (the simulator) has the task, then stop everything.
    const deadline = Date.now() + 60_000;
    let stats = await json(`${first.simulator!.url}/__sim/stats`);
    while ((stats.submitsByEndpoint?.['submit/imagine'] ?? 0) < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      stats = await json(`${first.simulator!.url}/__sim/stats`);
    }
    expect(stats.submitsByEndpoint['submit/imagine']).toBe(1);
    await stop(running);

    running = await start(env);
    const second = JSON.parse(readFileSync(path.join(dataDir, 'endpoints.json'), 'utf8')) as Endpoints;
    expect(second.gateway.apiKey).toBe(key);
    let task = await json(`${second.gateway.baseUrl}/mj/task/${id}/fetch`, { key });
    expect(task.id).toBe(id);
    const until = Date.now() + 120_000;
    while (task.status !== 'SUCCESS' && task.status !== 'FAILURE' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      task = await json(`${second.gateway.baseUrl}/mj/task/${id}/fetch`, { key });
    }
    expect(task).toMatchObject({ id, status: 'SUCCESS', mode: 'RELAX' });
    const after = await json(`${second.simulator!.url}/__sim/stats`);
    expect(after.submitsByEndpoint['submit/imagine']).toBe(1);
  } finally {
    if (running && running.child.exitCode === null) await stop(running);
  }
});
