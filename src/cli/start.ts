/**
 * `npm start`: everything on one machine, for trying the service and for development.
 *
 * - Temporal: `temporal server start-dev` on `<MJ_DATA_DIR>/temporal.db` (SQLite, WAL), unless `TEMPORAL_ADDRESS`
 *   names a server to use instead. Our search attributes are registered on every start.
 * - MidJourney: the simulator (sped up by `MJ_DEV_TIME_SCALE`) unless `MJ_BASE_URL` names a real proxy.
 * - The worker (in this process) and the webhook receiver, wired to each other.
 * - The gateway (the midjourney-proxy API, `MJ_GATEWAY_PORT`, default 8090) with a key of the `dev` tenant made on
 *   first start and kept in the data directory; `<MJ_DATA_DIR>/endpoints.json` says where everything is.
 * - The simulator keeps its tasks, clock and queues in `<MJ_DATA_DIR>/simulator-state.json`, so a job in flight
 *   resumes against the same upstream task after a restart.
 *
 * Ctrl-C stops everything in order (worker drains, receiver closes, server last). Starting again on the same data
 * directory resumes every job in flight. Ports and directories: `MJ_DEV_TEMPORAL_PORT`, `MJ_DEV_UI_PORT`,
 * `MJ_DEV_SIMULATOR_PORT`, `MJ_WEBHOOK_PORT` (0 = any free port), `MJ_DATA_DIR`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTemporalClient } from '../client';
import { ConfigError, loadConfig, type Config } from '../config';
import { createLogger, redactWebhookPath, type Logger } from '../logger';
import { createMetrics } from '../metrics';
import { startSimulator } from '../simulator';
import { openProgressStore } from '../webhook/progress-pruner';
import { startWebhookReceiver, type WebhookReceiver } from '../webhook/receiver';
import { startGateway, type RunningGateway } from '../gateway/gateway';
import { devApiKey, devGatewaySecret, writeEndpoints, type Endpoints } from '../gateway/dev-setup';
import { gatewayOptionsFromEnv } from '../config/gateway';
import type { ExtraHandler } from '../gateway/server';
import { mountConsole, type MountConsoleOptions } from '../console/mount';
import { mountMcp, type MountMcpOptions } from '../mcp/mount';
import { createWorker } from '../worker';
import { startDevServer, type DevServer } from './dev-server';

/** A webhook token kept in the data directory, so tasks submitted before a restart can still reach us. */
function devWebhookToken(dataDir: string): string {
  const file = path.join(dataDir, 'webhook-token');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 24) return existing;
  } catch {
    // First start: create it below.
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export interface StartedStack {
  config: Config;
  temporalAddress: string;
  uiUrl?: string;
  mjBaseUrl: string;
  simulated: boolean;
  webhook: WebhookReceiver;
  gateway: RunningGateway;
  /** What `<dataDir>/endpoints.json` holds. */
  endpoints: Endpoints;
  /** Stops everything in order; resolves when all is closed. */
  stop(): Promise<void>;
  /** Resolves when the worker stops (after stop(), or on a fatal error). */
  done: Promise<void>;
}

/** Starts the whole local stack. */
export interface StartStackOptions {
  /** Extra HTTP handlers of the gateway (the console). */
  handlers?: ExtraHandler[];
  /**
   * The web console, mounted in the gateway at `/console` (its options, e.g. a faster live interval), or false for
   * none. @default {} (mounted, linking to the dev server's Web UI)
   */
  console?: Omit<MountConsoleOptions, 'temporalUiUrl'> | false;
  /** The MCP server, mounted in the gateway at `/mcp` (its options), or false for none. @default {} (mounted) */
  mcp?: MountMcpOptions | false;
}

export async function startStack(
  env: NodeJS.ProcessEnv = process.env,
  log?: Logger,
  opts: StartStackOptions = {}
): Promise<StartedStack> {
  const base = loadConfig(env);
  const logger = log ?? createLogger({ level: base.logLevel, name: 'mj-start', destination: process.stderr });
  const dataDir = path.resolve(base.dev.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const cleanup: (() => Promise<void>)[] = [];
  let closing = false;
  const closeAll = async () => {
    closing = true;
    for (const fn of cleanup.reverse())
      await fn().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'cleanup step failed'));
    cleanup.length = 0;
  };

  try {
    const overrides: NodeJS.ProcessEnv = {};
    // The asset store belongs with the rest of the local state unless configured otherwise.
    if (!env.MJ_ASSET_DIR && base.assets.kind === 'local') overrides.MJ_ASSET_DIR = path.join(dataDir, 'assets');
    if (!env.MJ_PROGRESS_DIR) overrides.MJ_PROGRESS_DIR = path.join(dataDir, 'progress');

    let dev: DevServer | undefined;
    if (!base.temporal.connectionOptions.address) {
      dev = await startDevServer({
        port: base.dev.temporalPort,
        uiPort: base.dev.uiPort,
        dbFile: path.join(dataDir, 'temporal.db'),
        log: logger,
      });
      cleanup.push(() => dev!.stop());
      overrides.TEMPORAL_ADDRESS = dev.address;
    }

    let simulated = false;
    if (!base.mj.baseUrl) {
      const sim = await startSimulator({
        port: base.dev.simulatorPort,
        timeScale: base.dev.timeScale,
        flavour: base.mj.flavour,
        apiKey: base.mj.apiKey?.reveal(),
        stateFile: path.join(dataDir, 'simulator-state.json'),
      });
      cleanup.push(() => sim.close());
      overrides.MJ_BASE_URL = sim.url;
      simulated = true;
    }

    const config = loadConfig({ ...env, ...overrides });
    const { client, connection } = await createTemporalClient(config);
    cleanup.push(() => connection.close());

    const metrics = createMetrics({ defaultMetrics: true });
    const token = config.webhook.token?.reveal() ?? devWebhookToken(dataDir);
    const progress = openProgressStore(config.progress, logger.child({ component: 'webhook' }));
    cleanup.push(async () => progress.stop());
    const webhook = await startWebhookReceiver({
      client,
      token,
      port: config.webhook.port,
      host: config.webhook.host,
      maxBodyBytes: config.webhook.maxBodyBytes,
      progressStore: progress.store,
      log: logger.child({ component: 'webhook' }),
      metrics,
      upstreamIds: config.upstreams?.upstreams.map((u) => u.id),
    });
    cleanup.push(() => webhook.close());
    const publicBase = config.webhook.publicBaseUrl ?? webhook.url;
    const hookUrl = `${publicBase}/webhook/mj/${token}`;

    const mjWorker = await createWorker(config, {
      log: logger.child({ component: 'worker' }),
      metrics,
      notifyHookUrl: hookUrl,
      upstreamWebhook: { publicBaseUrl: publicBase, token },
    });
    const done = mjWorker.run();
    // The worker must drain before the server and the simulator go away.
    cleanup.push(async () => {
      mjWorker.shutdown();
      await done.catch(() => undefined);
    });
    // An empty value (an .env template loaded as is) means unset, as for every MJ_* setting.
    const gatewaySecret = env.MJ_GATEWAY_SECRET || devGatewaySecret(dataDir);
    const startGw = (port: string) =>
      startGateway({
        config,
        gateway: gatewayOptionsFromEnv({ ...env, MJ_GATEWAY_PORT: port }, gatewaySecret),
        log: logger.child({ component: 'gateway' }),
        connection,
        handlers: opts.handlers,
      });
    // 8090 unless configured; when that default is taken, any free port (endpoints.json and the banner say which).
    const gateway = await startGw(env.MJ_GATEWAY_PORT ?? '8090').catch((err: NodeJS.ErrnoException) => {
      if (env.MJ_GATEWAY_PORT !== undefined || err.code !== 'EADDRINUSE') throw err;
      return startGw('0');
    });
    cleanup.push(() => gateway.stop());
    const gatewayUrl = gateway.server.publicUrl;
    const consoleMount =
      opts.console === false ? undefined : mountConsole(gateway, { ...opts.console, temporalUiUrl: dev?.uiUrl });
    const consolePath = new URL(consoleMount?.url ?? gatewayUrl).pathname;
    const mcp = opts.mcp === false ? undefined : mountMcp(gateway, opts.mcp);
    if (mcp) cleanup.push(() => mcp.close());
    const endpoints: Endpoints = {
      temporal: config.temporal.connectionOptions.address ?? '127.0.0.1:7233',
      temporalUi: dev?.uiUrl ?? null,
      simulator: simulated ? { url: config.mj.baseUrl! } : null,
      gateway: { baseUrl: gatewayUrl, apiKey: await devApiKey(dataDir, gateway.tenants) },
      console: consoleMount ? { url: `${gatewayUrl}${consolePath}` } : null,
      mcp: mcp ? { url: mcp.url } : null,
    };
    writeEndpoints(dataDir, endpoints);

    void dev?.exited.then((code) => {
      if (!closing) logger.error({ code }, 'Temporal dev server exited unexpectedly; stop with Ctrl-C and start again');
    });

    return {
      config,
      temporalAddress: config.temporal.connectionOptions.address ?? '127.0.0.1:7233',
      uiUrl: dev?.uiUrl,
      mjBaseUrl: config.mj.baseUrl!,
      simulated,
      webhook,
      gateway,
      endpoints,
      stop: closeAll,
      done,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function banner(s: StartedStack, env: NodeJS.ProcessEnv): string {
  const needsAddress =
    s.temporalAddress !== '127.0.0.1:7233' && s.temporalAddress !== 'localhost:7233' && !env.TEMPORAL_ADDRESS;
  const cliEnv = [
    needsAddress ? `TEMPORAL_ADDRESS=${s.temporalAddress}` : '',
    env.MJ_ASSET_DIR ? '' : s.config.assets.kind === 'local' ? `MJ_ASSET_DIR=${s.config.assets.dir}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const cli = `${cliEnv ? `${cliEnv} ` : ''}npm run cli --`;
  return [
    '',
    'mj-temporal ready',
    `  Temporal      ${s.temporalAddress}${s.uiUrl ? ` (dev server, data in ${path.resolve(s.config.dev.dataDir)})` : ''}`,
    s.uiUrl ? `  Temporal UI   ${s.uiUrl}` : '',
    `  MidJourney    ${s.simulated ? `simulator at ${s.mjBaseUrl} (time x${s.config.dev.timeScale})` : s.mjBaseUrl}`,
    `  Webhooks      ${redactWebhookPath(`${s.webhook.url}/webhook/mj/x`)}`,
    `  Gateway       ${s.endpoints.gateway.baseUrl}/mj  (key of tenant "dev": ${s.endpoints.gateway.apiKey})`,
    s.endpoints.console ? `  Console       ${s.endpoints.console.url}` : '',
    s.endpoints.mcp ? `  MCP           ${s.endpoints.mcp.url}  (Authorization: Bearer <the key above>)` : '',
    `  Endpoints     ${path.join(path.resolve(s.config.dev.dataDir), 'endpoints.json')}`,
    '',
    'Submit a job:',
    `  ${cli} imagine "a cat" --wait`,
    `  ${cli} list`,
    'Or through the midjourney-proxy API:',
    `  curl -s ${s.endpoints.gateway.baseUrl}/mj/submit/imagine -H 'mj-api-secret: ${s.endpoints.gateway.apiKey}' \\`,
    `       -H 'content-type: application/json' -d '{"prompt":"a cat"}'`,
    'Ctrl-C stops everything; jobs in flight resume on the next start.',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** Signals closer together than this are one Ctrl-C delivered twice. @unit ms */
const DUPLICATE_SIGNAL_MS = 1_000;

async function main(): Promise<void> {
  const stack = await startStack(process.env);
  process.stdout.write(`${banner(stack, process.env)}\n`);
  let stopping = false;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // Ctrl-C reaches tsx and this process together, and tsx may relay its copy too: a second signal within a
      // second is that copy, not a person asking to force the exit.
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      process.stderr.write(`second ${signal}: exiting without waiting\n`);
      process.exit(130);
    }
    stopping = true;
    firstSignalAt = Date.now();
    process.stderr.write(`${signal}: stopping (worker drains first)…\n`);
    void stack.stop().then(() => {
      process.stdout.write('stopped\n');
      process.exit(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await stack.done.catch((err: unknown) => {
    process.stderr.write(`worker failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
  if (!stopping) {
    await stack.stop();
    process.exit(process.exitCode ?? 1);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`
    );
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
