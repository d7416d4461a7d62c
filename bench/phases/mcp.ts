/**
 * Phase "mcp": the MCP round trip an agent makes, imagine → U1 → the upscale's result, through the gateway's `/mcp`
 * with the official TypeScript SDK's client. Two ways, a few rounds each:
 *
 * - `task`: both tool calls task-augmented (`tools/call` answers the task at once; the SDK polls `tasks/get` at the
 *   task's `pollInterval` and reads `tasks/result`);
 * - `plain`: both tool calls without task augmentation (each call waits for its job and answers its result).
 *
 * Counted per round: the client's HTTP requests to `/mcp` and the JSON-RPC requests in them (by method, the session's
 * `initialize` and `notifications/initialized` included), the wall time, and the upstream requests the jobs made
 * (the simulator's request log), which the MCP door must not change.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../../src/config';
import { startGateway } from '../../src/gateway/gateway';
import { createLogger } from '../../src/logger';
import { mountMcp } from '../../src/mcp/mount';
import type { BenchContext } from '../lib/context';
import { startDevServer } from '../lib/dev-server';
import { startBenchSimulator } from '../lib/sim';
import { distribution, round, type Distribution } from '../lib/util';
import { spawnWorker } from '../lib/workers';

export type McpVariant = 'task' | 'plain';

export interface McpVariantSummary {
  rounds: number;
  succeeded: number;
  /** HTTP requests to `/mcp` per round (POSTs with JSON-RPC messages, and the session's GET stream or DELETE). */
  httpRequests: Distribution;
  /** JSON-RPC messages sent per round, by method. */
  rpcByMethod: Record<string, number>;
  /** Wall time of a round, connect to the upscale's result. @unit ms */
  roundMs: Distribution;
  /** Upstream requests (submits and fetches) per round. */
  upstreamRequests: Distribution;
  failures: string[];
}

export interface McpPhaseResult {
  timeScale: number;
  variants: Record<McpVariant, McpVariantSummary>;
  notes: string[];
}

const TENANT = 'bench-mcp';

/** A fetch that counts what the client sends: HTTP requests and the JSON-RPC methods in their bodies. */
function countingFetch(counts: { http: number; methods: Record<string, number> }): typeof fetch {
  return async (input, init) => {
    counts.http++;
    if (typeof init?.body === 'string') {
      const body = JSON.parse(init.body) as { method?: string } | { method?: string }[];
      for (const m of Array.isArray(body) ? body : [body]) {
        const name = m.method ?? 'response';
        counts.methods[name] = (counts.methods[name] ?? 0) + 1;
      }
    }
    return fetch(input, init);
  };
}

async function callAsTask(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const stream = client.experimental.tasks.callToolStream({ name, arguments: args }, CallToolResultSchema, {
    task: { ttl: 3_600_000 },
  });
  for await (const m of stream) {
    if (m.type === 'result') return m.result as CallToolResult;
    if (m.type === 'error') throw m.error;
  }
  throw new Error(`${name}: the task stream ended without a result`);
}

async function oneRound(
  url: string,
  key: string,
  variant: McpVariant,
  round: number
): Promise<{ http: number; methods: Record<string, number>; ms: number }> {
  const counts = { http: 0, methods: {} as Record<string, number> };
  const t0 = Date.now();
  const client = new Client({ name: 'mj-bench', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
      fetch: countingFetch(counts),
    })
  );
  try {
    const call = (name: string, args: Record<string, unknown>) =>
      variant === 'task'
        ? callAsTask(client, name, args)
        : (client.callTool({ name, arguments: args }) as Promise<CallToolResult>);
    const grid = await call('imagine', { prompt: `bench mcp ${variant} ${round}` });
    const gridId = (grid.structuredContent as { jobId?: string; state?: string } | undefined)?.jobId;
    if (!gridId || grid.isError) throw new Error(`imagine: ${JSON.stringify(grid.structuredContent)}`);
    const up = await call('press', { job: gridId, button: 'U1' });
    const state = (up.structuredContent as { state?: string } | undefined)?.state;
    if (state !== 'succeeded') throw new Error(`U1 ended ${state}`);
  } finally {
    await client.close();
  }
  return { ...counts, ms: Date.now() - t0 };
}

export async function runMcpPhase(ctx: BenchContext): Promise<McpPhaseResult> {
  const rounds = ctx.flags.quick ? 2 : 5;
  const timeScale = 120;
  const dir = path.join(ctx.tmpDir, 'mcp');
  mkdirSync(dir, { recursive: true });
  const server = await startDevServer({ dir, name: 'mcp', log: ctx.log });
  const sim = await startBenchSimulator({ timeScale, seed: ctx.flags.seed, maxRequestLog: 100_000 });
  const jobQueue = `mcp-jobs-${randomBytes(4).toString('hex')}`;
  const assetDir = path.join(dir, 'assets');
  let worker: Awaited<ReturnType<typeof spawnWorker>> | undefined;
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  try {
    worker = await spawnWorker({
      address: server.address,
      taskQueue: jobQueue,
      simUrl: sim.url,
      notifyHookUrl: null,
      bundlePath: ctx.bundlePath,
      maxCachedWorkflows: ctx.flags.cache,
      assetDir,
      logFile: path.join(dir, 'worker.log'),
    });
    const config = loadConfig({
      TEMPORAL_ADDRESS: server.address,
      MJ_BASE_URL: sim.url,
      MJ_TASK_QUEUE: jobQueue,
      MJ_ASSET_DIR: assetDir,
      MJ_LOG_LEVEL: 'warn',
    });
    gateway = await startGateway({
      config,
      gateway: {
        secret: randomBytes(32).toString('hex'),
        port: 0,
        host: '127.0.0.1',
        taskQueue: `mcp-gw-${randomBytes(4).toString('hex')}`,
        submitsPerMinute: 1_000_000,
      },
      log: createLogger({ level: 'warn', name: 'bench-gateway' }),
    });
    const mcp = mountMcp(gateway, { callWaitMs: 120_000 });
    const { apiKey } = await gateway.tenants.createKey(TENANT);
    ctx.log(`mcp: gateway at ${gateway.server.url}; ${rounds} rounds each of task and plain calls`);
    const variants = {} as Record<McpVariant, McpVariantSummary>;
    for (const variant of ['task', 'plain'] as McpVariant[]) {
      const http: number[] = [];
      const ms: number[] = [];
      const upstream: number[] = [];
      const methods: Record<string, number> = {};
      const failures: string[] = [];
      for (let i = 0; i < rounds; i++) {
        const before = sim.stats().requests.length;
        try {
          const r = await oneRound(mcp.url, apiKey, variant, i);
          http.push(r.http);
          ms.push(r.ms);
          upstream.push(sim.stats().requests.length - before);
          for (const [k, v] of Object.entries(r.methods)) methods[k] = (methods[k] ?? 0) + v;
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
        }
      }
      const n = Math.max(1, http.length);
      variants[variant] = {
        rounds,
        succeeded: http.length,
        httpRequests: distribution(http),
        rpcByMethod: Object.fromEntries(Object.entries(methods).map(([k, v]) => [k, round(v / n, 1)!])),
        roundMs: distribution(ms),
        upstreamRequests: distribution(upstream),
        failures,
      };
    }
    await mcp.close();
    return {
      timeScale,
      variants,
      notes: [
        `simulator time scale ${timeScale}; a new MCP session per round (initialize included in the counts)`,
        'task: the SDK polls tasks/get at the pollInterval the server answers (1 s), then reads tasks/result',
        'gateway and MCP server in the bench process, one job worker process, one dev server (SQLite, WAL)',
      ],
    };
  } finally {
    await gateway?.stop();
    await worker?.stop();
    await sim.close();
    await server.stop();
  }
}
