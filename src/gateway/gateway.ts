/**
 * Process wiring of a gateway: Temporal client and asset store (`MjJobsClient`), tenants directory, optional
 * upstream client (image-seed), the HTTP server and the gateway worker. `npm run gateway` (main.ts) and
 * `npm start` both use {@link startGateway}.
 */
import type { Connection } from '@temporalio/client';
import type { NativeConnection, WorkflowBundleOption } from '@temporalio/worker';
import { MjJobsClient } from '../client';
import type { Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { MjClient } from '../mj';
import type { GatewayApp } from './app';
import { StreamSlots } from './tasks/event-streams';
import { TenantJobWatch } from './tasks/tenant-feed';
import { BudgetGuard } from './guards/budget-guard';
import { UrlSigner } from './tasks/image-urls';
import { createGatewayWorker, type GatewayWorker } from './gateway-worker';
import { addDefaults, type GatewayOptions, type GatewayOptionsWithDefaults } from '../config/gateway';
import { callbackBaseUrl } from './public-url';
import { RateLimiter } from './guards/rate-limit';
import { startGatewayServer, type ExtraHandler, type GatewayServer } from './server';
import { TenantDirectory } from '../tenancy/tenant-directory';
import { ViewCache } from './tasks/view-cache';

export interface StartGatewayOptions {
  config: Config;
  gateway: GatewayOptions;
  log?: Logger;
  /** Existing connections (tests, npm start); not closed by `stop()`. */
  connection?: Connection;
  nativeConnection?: NativeConnection;
  namespace?: string;
  /** Run the gateway worker in this process. @default true */
  worker?: boolean;
  workflowBundle?: WorkflowBundleOption;
  handlers?: ExtraHandler[];
}

export interface RunningGateway {
  server: GatewayServer;
  app: GatewayApp;
  options: GatewayOptionsWithDefaults;
  tenants: TenantDirectory;
  worker?: GatewayWorker;
  stop(): Promise<void>;
}

export async function startGateway(o: StartGatewayOptions): Promise<RunningGateway> {
  const options = addDefaults(o.gateway);
  const log = o.log ?? createLogger({ level: o.config.logLevel, name: 'mj-gateway' });
  const mj = await MjJobsClient.connect({
    config: o.config,
    connection: o.connection,
    namespace: o.namespace,
    gatewayTaskQueue: options.taskQueue,
  });
  const tenants = new TenantDirectory(mj.client, { taskQueue: options.taskQueue, cacheMs: options.tenantCacheMs });
  const upstream = o.config.mj.baseUrl
    ? new MjClient({
        baseUrl: o.config.mj.baseUrl,
        flavour: o.config.mj.flavour,
        apiKey: o.config.mj.apiKey?.reveal(),
        ...(o.config.mj.authScheme ? { authScheme: o.config.mj.authScheme } : {}),
      })
    : undefined;
  const urls = new UrlSigner(options.secret, { ttlMs: options.imageUrlTtlMs });
  const app: GatewayApp = {
    mj,
    client: mj.client,
    store: mj.store,
    tenants,
    options,
    limiter: new RateLimiter(),
    urls,
    views: new ViewCache({ openTtlMs: options.readCacheOpenMs, closedTtlMs: options.readCacheClosedMs }),
    // A ledger that cannot answer lets submits through: the submit activity checks the budget again.
    budgets: new BudgetGuard(mj.cost, { onError: (err) => log.warn({ err: String(err) }, 'budget pre-check skipped') }),
    log,
    upstream,
    streams: new StreamSlots(options.maxStreamsPerTenant, options.maxStreams),
    tenantJobs: new TenantJobWatch(mj.client, options.tenantStreamPollMs),
  };
  // The server first: a taken port fails before anything else runs.
  const server = await startGatewayServer(app, o.handlers).catch(async (err: unknown) => {
    await upstream?.close();
    await mj.close();
    throw err;
  });
  let worker: GatewayWorker | undefined;
  let workerDone: Promise<void> | undefined;
  if (o.worker ?? true) {
    worker = await createGatewayWorker({
      config: o.config,
      taskQueue: options.taskQueue,
      deploymentSecret: options.secret,
      urls,
      allowPrivateHooks: options.allowPrivateHooks,
      tenants,
      baseUrl: (memoBaseUrl) => callbackBaseUrl(options, server.url, memoBaseUrl),
      cost: mj.cost,
      connection: o.nativeConnection,
      namespace: o.namespace,
      workflowBundle: o.workflowBundle,
    });
    workerDone = worker
      .run()
      .catch((err: unknown) => log.error({ err: (err as Error).message }, 'gateway worker failed'));
  }
  if (options.allowPrivateHooks)
    log.warn('MJ_GATEWAY_ALLOW_PRIVATE_HOOKS is on: notifyHook targets may be loopback, private or link-local');
  if (!options.publicBaseUrl && !options.trustProxy && /^(0\.0\.0\.0|::)$/.test(options.host))
    log.warn(
      { url: server.url },
      'MJ_GATEWAY_PUBLIC_URL is not set: absolute URLs (images, uploads, callbacks) name the listen address'
    );
  log.info({ url: server.url, publicUrl: server.publicUrl }, 'gateway listening');
  return {
    server,
    app,
    options,
    tenants,
    worker,
    stop: async () => {
      await server.close();
      worker?.shutdown();
      await workerDone;
      await upstream?.close();
      await mj.close();
    },
  };
}
