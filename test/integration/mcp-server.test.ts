/**
 * The MCP server on the gateway, driven by the official TypeScript SDK's client against a real dev server, the
 * simulator and a job worker: imagine → U2 → Vary (Region) as MCP tasks, the region's prompt and mask answered by
 * elicitation, with the MCP server and the job worker restarted in between. The tasks are the jobs (task id = job
 * id), the upstream sees one task per step, and another tenant sees none of it.
 */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mountMcp, type McpMount } from '../../src/mcp/mount';
import { bandMaskPng } from '../helpers/mask-png';
import { startGatewayStack, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..', '..');

let stack: GatewayStack;
let mount: McpMount;
let key: string;
let otherKey: string;
const clients: Client[] = [];
const elicited: unknown[] = [];
const MASK = `data:image/png;base64,${Buffer.from(bandMaskPng()).toString('base64')}`;

beforeAll(async () => {
  stack = await startGatewayStack();
  mount = mountMcp(stack.gateway, { callWaitMs: 60_000 });
  key = (await stack.gateway.tenants.createKey('mcp-a')).apiKey;
  otherKey = (await stack.gateway.tenants.createKey('mcp-b')).apiKey;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await mount?.close();
  await stack?.stop();
});

async function connect(apiKey: string): Promise<Client> {
  const client = new Client({ name: 'mcp-test', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    elicited.push(request.params);
    return { action: 'accept', content: { prompt: 'a lighthouse wearing a tiny hat', mask: MASK } };
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mount.url), {
      requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
    })
  );
  clients.push(client);
  return client;
}

/** Calls a tool as a task and follows it to its result. */
async function runTask(client: Client, name: string, args: Record<string, unknown>) {
  let taskId: string | undefined;
  let result: CallToolResult | undefined;
  const stream = client.experimental.tasks.callToolStream({ name, arguments: args }, CallToolResultSchema, {
    task: { ttl: 3_600_000 },
  });
  for await (const m of stream) {
    if (m.type === 'taskCreated') taskId = m.task.taskId;
    if (m.type === 'result') result = m.result as CallToolResult;
    if (m.type === 'error') throw m.error;
  }
  return { taskId: taskId!, result: result! };
}

/** Restarts what a deployment restarts: the MCP server (its sessions are gone) and the job worker. */
async function restartMcpAndWorker(): Promise<void> {
  await mount.close();
  await stack.stopJobWorker();
  mount = mountMcp(stack.gateway, { callWaitMs: 60_000 });
  await stack.startJobWorker();
}

const submits = () => ({ ...stack.sim.stats().submitsByEndpoint });
const facts = (r: CallToolResult) =>
  r.structuredContent as { jobId: string; state: string; buttons: { label: string }[] };

test('imagine → U2 → Vary (Region) by elicitation, across MCP and worker restarts; tenants apart', async () => {
  const before = submits();
  let client = await connect(key);
  const tools = await client.listTools();
  expect(tools.tools.map((t) => t.name).sort()).toEqual(
    ['blend', 'describe', 'imagine', 'list', 'press', 'shorten', 'status', 'video'].sort()
  );
  expect(tools.tools.find((t) => t.name === 'imagine')?.execution?.taskSupport).toBe('optional');

  // imagine as a task; the client goes away at once, and the MCP server and the job worker restart.
  const created = await client.experimental.tasks
    .callToolStream({ name: 'imagine', arguments: { prompt: 'a red fox in the snow' } }, CallToolResultSchema, {
      task: { ttl: 3_600_000 },
    })
    .next();
  if (created.done || created.value.type !== 'taskCreated') throw new Error('no task created');
  const imagineId = created.value.task.taskId;
  expect(imagineId).toMatch(/^mj-job-/);
  await client.close();
  await restartMcpAndWorker();

  client = await connect(key);
  const grid = (await client.experimental.tasks.getTaskResult(imagineId, CallToolResultSchema)) as CallToolResult;
  expect(facts(grid)).toMatchObject({ jobId: imagineId, state: 'succeeded' });
  expect(grid.content.some((c) => c.type === 'image')).toBe(true);
  expect(grid.content.filter((c) => c.type === 'resource_link').length).toBeGreaterThanOrEqual(1);
  expect((await client.experimental.tasks.getTask(imagineId)).status).toBe('completed');

  const up = await runTask(client, 'press', { job: imagineId, button: 'U2' });
  expect(facts(up.result)).toMatchObject({ jobId: up.taskId, state: 'succeeded' });
  expect(facts(up.result).buttons.map((b) => b.label)).toContain('Vary (Region)');

  const region = await runTask(client, 'press', { job: up.taskId, button: 'Vary (Region)' });
  expect(elicited).toHaveLength(1);
  expect(elicited[0]).toMatchObject({ requestedSchema: { required: expect.arrayContaining(['prompt', 'mask']) } });
  expect(facts(region.result)).toMatchObject({ jobId: region.taskId, state: 'succeeded' });

  // One upstream task per step: imagine, two buttons, and the region's modal.
  const after = submits();
  const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  expect([delta('submit/imagine'), delta('submit/action'), delta('submit/modal')]).toEqual([1, 2, 1]);

  const listed = await client.experimental.tasks.listTasks();
  expect(listed.tasks.map((t) => t.taskId)).toEqual(expect.arrayContaining([imagineId, up.taskId, region.taskId]));
  const image = await client.readResource({
    uri: (grid.content.find((c) => c.type === 'resource_link') as { uri: string }).uri,
  });
  expect(image.contents[0]).toMatchObject({ mimeType: expect.stringMatching(/^image\//) });

  // Another tenant: the tasks, the images and the jobs are unknown to it.
  const other = await connect(otherKey);
  await expect(other.experimental.tasks.getTask(imagineId)).rejects.toThrow(/not found/i);
  await expect(other.experimental.tasks.cancelTask(imagineId)).rejects.toThrow(/not found/i);
  expect((await other.experimental.tasks.listTasks()).tasks).toEqual([]);
  const status = (await other.callTool({ name: 'status', arguments: { job: imagineId } })) as CallToolResult;
  expect(status.isError).toBe(true);
  await expect(other.readResource({ uri: `mj-job://${encodeURIComponent(imagineId)}/image/0` })).rejects.toThrow();
});

test('a plain call waits for its job; bad arguments name the field; no key is refused', async () => {
  // A client that takes no elicitation must give a Vary (Region) its mask up front: refused before anything starts.
  const plain = new Client({ name: 'no-elicitation', version: '1.0.0' });
  await plain.connect(
    new StreamableHTTPClientTransport(new URL(mount.url), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    })
  );
  clients.push(plain);
  const client = await connect(key);
  const r = (await client.callTool({
    name: 'shorten',
    arguments: { prompt: 'a very long prompt about a fox' },
  })) as CallToolResult;
  expect(facts(r).state).toBe('succeeded');
  const bad = (await client.callTool({
    name: 'press',
    arguments: { job: 'x', button: 'U2', mask: 'nope' },
  })) as CallToolResult;
  expect(bad).toMatchObject({ isError: true, structuredContent: { error: { field: 'mask' } } });
  const res = await fetch(mount.url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(401);

  const grid = (await plain.callTool({ name: 'imagine', arguments: { prompt: 'a quiet pond' } })) as CallToolResult;
  const up = (await plain.callTool({
    name: 'press',
    arguments: { job: facts(grid).jobId, button: 'U1' },
  })) as CallToolResult;
  const before = submits()['submit/action'] ?? 0;
  const region = (await plain.callTool({
    name: 'press',
    arguments: { job: facts(up).jobId, button: 'Vary (Region)', prompt: 'a duck' },
  })) as CallToolResult;
  expect(region).toMatchObject({ isError: true, structuredContent: { error: { field: 'mask' } } });
  expect(submits()['submit/action'] ?? 0).toBe(before);
});

test('stdio: npm run mcp serves the same tenant its jobs', async () => {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const assetDir = stack.config.assets.kind === 'local' ? stack.config.assets.dir : '';
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: tsx,
      args: [path.join(ROOT, 'src', 'mcp', 'main.ts')],
      cwd: ROOT,
      stderr: 'ignore',
      env: {
        PATH: process.env.PATH ?? '',
        TEMPORAL_ADDRESS: stack.env.address,
        TEMPORAL_NAMESPACE: stack.env.namespace ?? 'default',
        MJ_TASK_QUEUE: stack.config.worker.taskQueue,
        MJ_ASSET_DIR: assetDir,
        MJ_GATEWAY_TASK_QUEUE: stack.gateway.options.taskQueue,
        MJ_MCP_API_KEY: key,
        MJ_LOG_LEVEL: 'silent',
      },
    })
  );
  clients.push(client);
  const listed = await client.experimental.tasks.listTasks();
  expect(listed.tasks.length).toBeGreaterThanOrEqual(3);
  const r = (await client.callTool({
    name: 'shorten',
    arguments: { prompt: 'a long prompt about a heron' },
  })) as CallToolResult;
  expect(facts(r).state).toBe('succeeded');
  expect((await client.experimental.tasks.getTask(facts(r).jobId)).status).toBe('completed');
});

test('the official Python SDK client: imagine → U2 → Vary (Region) by elicitation, across restarts', async () => {
  // The project's own script installs the pinned SDK into its venv; without it this test fails (never skips).
  const ensured = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-mcp-python.mjs')], {
    encoding: 'utf8',
  });
  expect({ status: ensured.status, stderr: ensured.stderr }).toMatchObject({ status: 0 });
  const python = ensured.stdout.trim();
  const step = async (apiKey: string, tool: string, args: object, answer: string[] = []) => {
    const script = path.join(ROOT, 'test', 'fixtures', 'mcp', 'python_client.py');
    const { stdout } = await promisify(execFile)(
      python,
      [script, mount.url, apiKey, tool, JSON.stringify(args), ...answer],
      {
        timeout: 120_000,
      }
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as {
      protocolVersion: string;
      elicited: { requestedSchema: { required: string[] } }[];
      isError: boolean;
      structured: { jobId: string; state: string; buttons: { label: string }[] };
      contentTypes: string[];
    };
  };
  const before = submits();
  const grid = await step(key, 'imagine', { prompt: 'a heron at dawn' });
  // The SDK asks for the 2026-07-28 revision first and falls back to the handshake this server speaks.
  expect(grid.protocolVersion).toBe('2025-11-25');
  expect(grid).toMatchObject({ isError: false, structured: { state: 'succeeded' } });
  expect(grid.contentTypes).toEqual(expect.arrayContaining(['text', 'image', 'resource_link']));
  await restartMcpAndWorker();
  const up = await step(key, 'press', { job: grid.structured.jobId, button: 'U2' });
  expect(up).toMatchObject({ isError: false, elicited: [], structured: { state: 'succeeded' } });
  await restartMcpAndWorker();
  const region = await step(key, 'press', { job: up.structured.jobId, button: 'Vary (Region)' }, ['a tiny hat', MASK]);
  expect(region.elicited).toHaveLength(1);
  expect(region.elicited[0]!.requestedSchema.required).toEqual(expect.arrayContaining(['prompt', 'mask']));
  expect(region).toMatchObject({ isError: false, structured: { state: 'succeeded' } });
  const after = submits();
  const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  expect([delta('submit/imagine'), delta('submit/action'), delta('submit/modal')]).toEqual([1, 2, 1]);

  const other = await step(otherKey, 'status', { job: region.structured.jobId });
  expect(other.isError).toBe(true);
});
