/**
 * Proves the whole chain on a fresh machine: the pinned Temporal binaries start (dev server and time-skipping
 * server), a worker bundles workflow code, and an activity reaches an HTTP server on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { request } from 'undici';
import { createDevServerEnv, createTimeSkippingEnv } from '../helpers/temporal';
import { smokeWorkflow } from '../helpers/smoke-workflows';

jest.setTimeout(120_000);

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mj/task/list`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const activities = {
  async getUpstream(target: string) {
    const res = await request(target);
    return { status: res.statusCode, body: await res.body.text() };
  },
};

async function runOn(env: TestWorkflowEnvironment): Promise<{ status: number; body: string }> {
  const taskQueue = `smoke-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../helpers/smoke-workflows'),
    activities,
  });
  return worker.runUntil(
    env.client.workflow.execute(smokeWorkflow, { taskQueue, workflowId: randomUUID(), args: [url] })
  );
}

test('a workflow on the real dev server calls an HTTP server on loopback', async () => {
  const env = await createDevServerEnv();
  try {
    const result = await runOn(env);
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ path: '/mj/task/list' });
  } finally {
    await env.teardown();
  }
});

test('the time-skipping server runs the same workflow', async () => {
  const env = await createTimeSkippingEnv();
  try {
    const result = await runOn(env);
    expect(result.status).toBe(200);
  } finally {
    await env.teardown();
  }
});
