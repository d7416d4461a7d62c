/**
 * `npm run mcp`: the MCP server over stdio, for an MCP client that starts it as a child process. It acts for the
 * tenant whose gateway API key is in `MJ_MCP_API_KEY` (checked against the tenants registry, as the gateway does);
 * Temporal settings from `@temporalio/envconfig`, ours from `MJ_*`. Stdout carries the protocol only: messages go to
 * stderr. The tasks are the tenant's jobs, the same ones the gateway's `/mcp` serves.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { MjJobsClient } from '../client';
import { ConfigError, loadConfig } from '../config';
import { DEFAULT_GATEWAY_TASK_QUEUE } from '../config/gateway';
import { TemporalConsoleBackend } from '../console/temporal-backend';
import { TenantDirectory } from '../tenancy/tenant-directory';
import { createMcpServer, DEFAULT_CALL_WAIT_MS } from './mcp-server';

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const key = env.MJ_MCP_API_KEY;
  if (!key)
    throw new ConfigError([
      { field: 'MJ_MCP_API_KEY', rule: 'must be set to a gateway API key (npm run cli -- keys create)' },
    ]);
  const config = loadConfig(env);
  const gatewayTaskQueue = env.MJ_GATEWAY_TASK_QUEUE || DEFAULT_GATEWAY_TASK_QUEUE;
  const mj = await MjJobsClient.connect({ config, gatewayTaskQueue });
  const tenants = new TenantDirectory(mj.client, { taskQueue: gatewayTaskQueue, cacheMs: 60_000 });
  const tenant = await tenants.authenticate(key);
  if (!tenant) {
    await mj.close();
    throw new ConfigError([{ field: 'MJ_MCP_API_KEY', rule: 'must be a live gateway API key' }]);
  }
  const backend = new TemporalConsoleBackend({
    mj,
    authenticate: async (k) => (await tenants.authenticate(k)) ?? null,
  });
  const server = createMcpServer({ backend, tenant, callWaitMs: DEFAULT_CALL_WAIT_MS });
  server.onclose = () => void mj.close().then(() => process.exit(0));
  await server.connect(new StdioServerTransport());
  process.stderr.write(`mj-temporal MCP server on stdio for tenant ${tenant}\n`);
}

if (require.main === module) {
  main(process.env).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
