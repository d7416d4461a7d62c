/**
 * The worker process: runs every MidJourney workflow and activity on the task queue.
 *
 * `npm run worker` (dev, tsx) or `node lib/worker.js` (built image). Configuration: see `src/config/index.ts`; the Temporal
 * connection comes from `@temporalio/envconfig` (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, …).
 * Scale horizontally by running more copies: all share the task queue, and Temporal spreads the work.
 */
import { Client } from '@temporalio/client';
import { DataConverter } from '@temporalio/common';
import {
  NativeConnection,
  Runtime,
  Worker,
  makeTelemetryFilterString,
  type WorkerOptions,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { Agent, type Dispatcher } from 'undici';
import { createActivities } from './activities';
import { createSlotActivities } from './activities/slots';
import { createAssetStore, type AssetStore } from './assets';
import { assetStoreConfig, payloadCodecsFor } from './config/process-wiring';
import { ConfigError, loadConfig, notifyHookUrl, redactConfig, type Config } from './config';
import { createLogger, PinoSdkLogger, type Logger } from './logger';
import { createMetrics, serveMetrics, type Metrics, type MetricsServer } from './metrics';
import { MjClient } from './mj';
import { durationToMs } from './shared/duration';
import { createLedgerRecorder } from './ledger/ledger-recorder';
import { PoolRouterClient } from './upstreams/router-client';
import type { UpstreamSet } from './shared/upstreams/types';
import { createUpstreamSet, type ConfiguredUpstreamSet } from './upstreams/upstream-set';

/** Everything a test or an embedding process (npm start) may replace. */
export interface WorkerOverrides {
  /** An existing connection (tests: `env.nativeConnection`); it is not closed by the worker. */
  connection?: NativeConnection;
  /** @default config.temporal.namespace ?? 'default' */
  namespace?: string;
  /** @default config.worker.taskQueue */
  taskQueue?: string;
  /** @default a MjClient built from config, its dispatcher wrapped by the metrics interceptor */
  mj?: MjClient;
  /** Base dispatcher under the metrics interceptor. @default an undici Agent with the configured timeouts */
  dispatcher?: Dispatcher;
  /** @default createAssetStore(config) */
  store?: AssetStore;
  /** @default a pino logger at config.logLevel */
  log?: Logger;
  /** @default a fresh registry */
  metrics?: Metrics;
  /** The notifyHook URL given to the proxy; null turns webhooks off. @default from MJ_PUBLIC_BASE_URL + token */
  notifyHookUrl?: string | null;
  /** A prebuilt bundle (tests reuse one across workers). @default bundles `./workflows` */
  workflowBundle?: WorkflowBundleOption;
  /** Serve metrics and forward SDK logs (the Runtime is process-wide: the first installer wins). @default true */
  installRuntime?: boolean;
  /** Several upstreams: replaces the set built from `config.upstreams` (only used when that is set). */
  upstreams?: UpstreamSet;
  /** Where per-upstream hook URLs point (`npm start`'s own receiver). @default MJ_PUBLIC_BASE_URL + MJ_WEBHOOK_TOKEN */
  upstreamWebhook?: { publicBaseUrl: string; token: string };
  /** Last word on any Worker option. */
  workerOptions?: Partial<WorkerOptions>;
}

export interface MjWorker {
  readonly worker: Worker;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly taskQueue: string;
  readonly mj: MjClient;
  readonly store: AssetStore;
  /** Runs until {@link shutdown}; serves `MJ_METRICS_PORT` meanwhile and closes what it opened on the way out. */
  run(): Promise<void>;
  /** Starts a graceful shutdown: no new tasks, running activities get `shutdownGraceTime` to finish. */
  shutdown(): void;
}

/**
 * Installs the process-wide Temporal Runtime with pino as its logger (SDK, workflow and activity logs become our JSON
 * lines, and workflow lifecycle lines feed `mj_jobs_total`) and the SDK's Prometheus exporter on `MJ_SDK_METRICS_PORT`.
 * Returns false when a Runtime already exists (tests, or a second worker in one process).
 */
export function installRuntime(config: Config, log: Logger, metrics: Metrics): boolean {
  try {
    Runtime.install({
      logger: new PinoSdkLogger(log.child({ source: 'temporal-sdk' }), metrics.observeSdkLog),
      // Signals are handled in run(), which also closes the metrics server and the connection.
      shutdownSignals: [],
      telemetryOptions: {
        logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
        ...(config.metrics.sdkPort !== undefined
          ? { metrics: { prometheus: { bindAddress: `${config.metrics.host}:${config.metrics.sdkPort}` } } }
          : {}),
      },
    });
    return true;
  } catch {
    log.debug('Temporal Runtime already installed; SDK log forwarding and SDK metrics left as configured');
    return false;
  }
}

/** The undici dispatcher for the proxy: explicit timeouts (undici's default is 300 s) under the metrics interceptor. */
export function createUpstreamDispatcher(config: Config, metrics: Metrics, base?: Dispatcher): Dispatcher {
  const timeout = durationToMs(config.mj.httpTimeout);
  const agent =
    base ??
    new Agent({
      connect: { timeout: durationToMs(config.mj.connectTimeout) },
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  return agent.compose(metrics.upstreamInterceptor);
}

/** Builds the MjClient from config; the API key is revealed here and nowhere else in the worker. */
export function createMjClient(config: Config, dispatcher: Dispatcher): MjClient {
  if (!config.mj.baseUrl) {
    throw new ConfigError([
      { field: 'MJ_BASE_URL', rule: 'is required to run a worker (`npm start` runs a simulator when it is unset)' },
    ]);
  }
  return new MjClient({
    baseUrl: config.mj.baseUrl,
    flavour: config.mj.flavour,
    apiKey: config.mj.apiKey?.reveal(),
    authScheme: config.mj.authScheme,
    // No default `mode`: each job passes its own, and novicezk has no mode path prefixes at all.
    timeoutMs: durationToMs(config.mj.httpTimeout),
    ...(config.mj.refreshInterval !== undefined ? { refreshIntervalMs: durationToMs(config.mj.refreshInterval) } : {}),
    // The connect timeout lives on the dispatcher's Agent (MjClient refuses both).
    dispatcher,
  });
}

/**
 * The client of jobs recorded before routing (and of every job without upstreams): `MJ_BASE_URL`'s, or with
 * several upstreams and no `MJ_BASE_URL`, the first configured upstream's.
 */
function legacyClient(config: Config, dispatcher: Dispatcher, upstreams: UpstreamSet | undefined): MjClient {
  if (!config.mj.baseUrl && upstreams) return upstreams.client(upstreams.ids()[0]!);
  return createMjClient(config, dispatcher);
}

/** Creates (but does not start) the worker. */
export async function createWorker(config: Config, overrides: WorkerOverrides = {}): Promise<MjWorker> {
  const log = overrides.log ?? createLogger({ level: config.logLevel, name: 'mj-worker' });
  const metrics = overrides.metrics ?? createMetrics({ defaultMetrics: true });
  if (overrides.installRuntime ?? true) installRuntime(config, log, metrics);

  // Our own Agent is closed on the way out; an injected dispatcher or client belongs to the caller.
  const routed = config.upstreams !== undefined;
  const needsDispatcher = !overrides.mj || (routed && !overrides.upstreams);
  const upstream = needsDispatcher ? createUpstreamDispatcher(config, metrics, overrides.dispatcher) : undefined;
  const ownsUpstream = upstream !== undefined && overrides.dispatcher === undefined;
  // Several upstreams: one client per configured id; routing and the pool exist only then.
  const ownSet: ConfiguredUpstreamSet | undefined =
    routed && !overrides.upstreams
      ? createUpstreamSet(config, upstream!, overrides.upstreamWebhook ? { webhook: overrides.upstreamWebhook } : {})
      : undefined;
  const upstreams = overrides.upstreams ?? ownSet;
  const mj = overrides.mj ?? legacyClient(config, upstream!, upstreams);
  const store = overrides.store ?? createAssetStore(assetStoreConfig(config));
  const hook = overrides.notifyHookUrl === null ? undefined : (overrides.notifyHookUrl ?? notifyHookUrl(config));

  const ownConnection = overrides.connection === undefined;
  const connection = overrides.connection ?? (await NativeConnection.connect(config.temporal.connectionOptions));
  const taskQueue = overrides.taskQueue ?? config.worker.taskQueue;
  const codecs = payloadCodecsFor(config);
  const dataConverter: DataConverter | undefined = codecs.length > 0 ? { payloadCodecs: codecs } : undefined;
  const namespace = overrides.namespace ?? config.temporal.namespace ?? 'default';
  const client = new Client({ connection, namespace, dataConverter });
  // Slot activities signal the per-account slot manager (signalWithStart) and check holders are still alive; the
  // upstream pool reuses their describe to reclaim reservations of closed workflows.
  const slotActivities = createSlotActivities({ client });
  const router = upstreams ? new PoolRouterClient({ client, taskQueue, upstreams }) : undefined;
  // The cost ledger records routed submits only: without upstreams there is no price to record.
  const ledger = upstreams ? createLedgerRecorder({ client, taskQueue, budgets: config.budgets, metrics }) : undefined;
  const activities = createActivities({
    mj,
    store,
    notifyHookUrl: hook,
    ...(upstreams && router ? { upstreams, router } : {}),
    ...(ledger ? { ledger } : {}),
    imageSeed: (id) =>
      id === undefined
        ? config.mj.imageSeed
        : (config.upstreams?.upstreams.find((u) => u.id === id)?.imageSeed ?? true),
  });

  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace,
      taskQueue,
      ...(overrides.workflowBundle
        ? { workflowBundle: overrides.workflowBundle }
        : config.worker.workflowBundle
          ? { workflowBundle: { codePath: config.worker.workflowBundle } }
          : { workflowsPath: require.resolve('./workflows') }),
      activities: { ...activities, ...slotActivities },
      dataConverter,
      // About 1 MB per cached workflow; an evicted job that wakes is replayed from its history.
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
      shutdownGraceTime: config.worker.shutdownGraceTime,
      ...overrides.workerOptions,
    });
  } catch (err) {
    if (ownConnection) await connection.close();
    throw err;
  }
  log.info(
    {
      taskQueue,
      namespace: worker.options.namespace,
      webhooks: hook !== undefined,
      encrypted: codecs.length > 0,
      upstreams: upstreams?.ids(),
    },
    'worker created'
  );

  return {
    worker,
    metrics,
    log,
    taskQueue,
    mj,
    store,
    shutdown: () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    },
    run: async () => {
      let server: MetricsServer | undefined;
      try {
        if (config.metrics.port !== undefined) {
          server = await serveMetrics(metrics.registry, { port: config.metrics.port, host: config.metrics.host });
          log.info({ url: server.url }, 'metrics listening');
        }
        await worker.run();
      } finally {
        await server?.close();
        await ownSet?.close();
        if (ownsUpstream) await upstream.close();
        if (ownConnection) await connection.close();
        log.info('worker stopped');
      }
    },
  };
}

/** Process entry: config, worker, graceful shutdown on SIGINT/SIGTERM (a second signal exits at once). */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  const log = createLogger({ level: config.logLevel, name: 'mj-worker' });
  for (const w of config.warnings) log.warn(w);
  log.info({ config: redactConfig(config) }, 'starting worker');
  const mjWorker = await createWorker(config, { log });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal, exiting without waiting');
      process.exit(130);
    }
    log.info({ signal, graceTime: config.worker.shutdownGraceTime }, 'shutting down gracefully');
    mjWorker.shutdown();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await mjWorker.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (require.main === module) {
  run().catch((err: unknown) => {
    // ConfigError lists fields and rules only; other errors are printed without request bodies or secrets.
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
