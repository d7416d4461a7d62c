/**
 * One benchmark worker as its own process, so its RSS and CPU are its own: the service's `createWorker` with the
 * prebuilt workflow bundle, the simulator as upstream and, optionally, the webhook receiver's URL as notifyHook.
 *
 * Started by bench/lib/workers.ts with `BENCH_WORKER` (JSON) in its environment and an IPC channel:
 * parent → `{ type: 'stats' }` | `{ type: 'shutdown' }` | `{ type: 'start', … }`; child → `{ type: 'ready' }` |
 * `{ type: 'stats', … }` | `{ type: 'started', seq, error? }`. `start` starts a workflow through the worker's own
 * client (its NativeConnection), as a service that embeds its worker would: the only way a start can be eager.
 * It exits when told to, when the parent disappears, or after `maxLifetimeMs`.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { createWorker } from '../src/worker';

export interface WorkerProcessConfig {
  address: string;
  taskQueue: string;
  simUrl: string;
  /** The simulator's flavour. @default 'trueai' */
  flavour?: 'trueai' | 'gateway';
  /** The gateway's refresh period in real ms (its simulated period over the time scale): the jobs' poll floor. */
  refreshIntervalMs?: number;
  notifyHookUrl: string | null;
  bundlePath: string;
  maxCachedWorkflows: number;
  assetDir: string;
  sdkMetricsPort?: number;
  maxLifetimeMs: number;
  /** Run the bench's empty workflow from this bundle instead of the service (dev-server ceiling). */
  noopBundlePath?: string;
  /** Extra worker options (pollers, eager activities, sticky queue), the same for the service and the empty worker. */
  workerOptions?: Partial<WorkerOptions>;
  /** Temporal namespace of the worker (phases that need one pool and one ledger per variant). @default 'default' */
  namespace?: string;
  /** More service settings (`MJ_UPSTREAMS`, `MJ_PUBLIC_BASE_URL`, …), laid over the ones built here. */
  env?: Record<string, string>;
}

/** A workflow start asked by the parent, run through the worker's client. */
export interface StartRequest {
  type: 'start';
  seq: number;
  workflowType: string;
  workflowId: string;
  args: unknown[];
  /** `requestEagerStart`: the server may hand the first workflow task back in the start answer. */
  eager: boolean;
}

/** Starts what the parent asks through `worker.client` and answers `{ type: 'started', seq, eager?, error? }`. */
function serveStarts(worker: Worker, taskQueue: string): (m: StartRequest) => void {
  return (m) => {
    const client = worker.client;
    if (!client) return send({ type: 'started', seq: m.seq, error: 'worker has no client' });
    client.workflow
      .start(m.workflowType, { taskQueue, workflowId: m.workflowId, args: m.args, requestEagerStart: m.eager })
      .then(
        (h) => send({ type: 'started', seq: m.seq, eager: h.eagerlyStarted }),
        (err: unknown) => send({ type: 'started', seq: m.seq, error: err instanceof Error ? err.message : String(err) })
      );
  };
}

function send(msg: unknown): void {
  if (process.send && process.connected) process.send(msg);
}

async function runNoop(cfg: WorkerProcessConfig): Promise<void> {
  const connection = await NativeConnection.connect({ address: cfg.address });
  const worker = await Worker.create({
    connection,
    taskQueue: cfg.taskQueue,
    workflowBundle: { codePath: cfg.noopBundlePath! },
    maxCachedWorkflows: cfg.maxCachedWorkflows,
    ...cfg.workerOptions,
  });
  const stop = () => worker.getState() === 'RUNNING' && worker.shutdown();
  const start = serveStarts(worker, cfg.taskQueue);
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'shutdown') stop();
    if (m?.type === 'start') start(m as StartRequest);
    if (m?.type === 'stats') {
      send({
        type: 'stats',
        memory: process.memoryUsage(),
        cpu: process.cpuUsage(),
        uptimeMs: 0,
        workerState: worker.getState(),
        status: worker.getStatus(),
      });
    }
  });
  process.on('disconnect', stop);
  setTimeout(stop, cfg.maxLifetimeMs).unref();
  const running = worker.run();
  send({ type: 'ready' });
  await running;
  await connection.close();
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_WORKER ?? '{}') as WorkerProcessConfig;
  if (cfg.noopBundlePath) return runNoop(cfg);
  const env: Record<string, string> = {
    MJ_BASE_URL: cfg.simUrl,
    MJ_FLAVOUR: cfg.flavour ?? 'trueai',
    MJ_ASSET_DIR: cfg.assetDir,
    MJ_LOG_LEVEL: 'warn',
    MJ_TASK_QUEUE: cfg.taskQueue,
    MJ_MAX_CACHED_WORKFLOWS: String(cfg.maxCachedWorkflows),
    MJ_SHUTDOWN_GRACE_TIME: '2s',
    MJ_METRICS_HOST: '127.0.0.1',
    TEMPORAL_ADDRESS: cfg.address,
    TEMPORAL_NAMESPACE: cfg.namespace ?? 'default',
    ...cfg.env,
  };
  if (cfg.sdkMetricsPort) env.MJ_SDK_METRICS_PORT = String(cfg.sdkMetricsPort);
  if (cfg.refreshIntervalMs !== undefined)
    env.MJ_REFRESH_INTERVAL = `${Math.max(0, Math.round(cfg.refreshIntervalMs))}ms`;
  const config = loadConfig(env);
  // No connection of our own: connecting first would install a default Runtime, and the service's own (pino logger,
  // SDK Prometheus exporter) would silently not be installed. createWorker connects from TEMPORAL_ADDRESS and closes.
  const mjWorker = await createWorker(config, {
    taskQueue: cfg.taskQueue,
    notifyHookUrl: cfg.notifyHookUrl,
    workflowBundle: { codePath: cfg.bundlePath },
    ...(cfg.workerOptions ? { workerOptions: cfg.workerOptions } : {}),
  });
  const stop = () => mjWorker.shutdown();
  const start = serveStarts(mjWorker.worker, cfg.taskQueue);
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'shutdown') stop();
    if (m?.type === 'start') start(m as StartRequest);
    if (m?.type === 'stats') {
      send({
        type: 'stats',
        memory: process.memoryUsage(),
        cpu: process.cpuUsage(),
        uptimeMs: Math.round(process.uptime() * 1000),
        workerState: mjWorker.worker.getState(),
        status: mjWorker.worker.getStatus(),
      });
    }
  });
  process.on('disconnect', stop);
  const lifetime = setTimeout(stop, cfg.maxLifetimeMs);
  lifetime.unref();
  const running = mjWorker.run();
  send({ type: 'ready' });
  await running;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('bench worker failed:', err);
    process.exit(1);
  }
);
