/**
 * Our own Prometheus metrics (prom-client), served on `MJ_METRICS_PORT`. The Temporal SDK exports its worker metrics
 * on a separate port (`MJ_SDK_METRICS_PORT`) through the Runtime; the two registries never mix.
 *
 * - `mj_upstream_requests_total{endpoint,status}`: every request the MjClient sends, counted by an undici interceptor
 *   composed onto its dispatcher, so nothing in `src/mj` needs to know about metrics.
 * - `mj_webhook_wakeups_total{result}`: what the webhook receiver did with each delivery.
 * - `mj_jobs_total{status}`: job workflows that finished on this worker, read from the SDK's workflow lifecycle logs
 *   (emitted once per execution, never during replay).
 * - `mj_cost_charges_total{upstream,mode,tenant}`, `mj_cost_spend_total{upstream,mode,tenant,currency}`,
 *   `mj_cost_refunds_total{upstream,tenant,reason}` and `mj_cost_refunded_total{upstream,tenant,currency}`: what the
 *   ledger recorder of this process recorded (a duplicate charge or refund is not counted). Tenant labels are bounded:
 *   past {@link MAX_TENANT_LABELS} distinct tenants the rest count as `other`; no tenant is `-`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LogLevel as SdkLogLevel, LogMetadata } from '@temporalio/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import type { SpendObserver } from './shared/upstreams/types';

/** Distinct tenant label values per process before the rest are counted as `other` (label cardinality). */
export const MAX_TENANT_LABELS = 100;

export type WebhookResult =
  | 'signaled'
  /** A progress-only delivery kept in the progress store; no workflow woken. */
  | 'stored'
  | 'duplicate'
  | 'not_found'
  | 'closed'
  | 'unauthorized'
  | 'bad_request'
  | 'too_large'
  | 'unsupported_media_type'
  | 'error';

export interface Metrics extends SpendObserver {
  readonly registry: Registry;
  readonly upstreamRequests: Counter<'endpoint' | 'status'>;
  readonly webhookWakeups: Counter<'result'>;
  readonly jobs: Counter<'status'>;
  /** Compose onto the MjClient's dispatcher: `new Agent(...).compose(metrics.upstreamInterceptor)`. */
  readonly upstreamInterceptor: Dispatcher.DispatcherComposeInterceptor;
  /** Pass to `PinoSdkLogger` so finished job workflows are counted. */
  readonly observeSdkLog: (level: SdkLogLevel, message: string, meta: LogMetadata | undefined) => void;
}

export interface CreateMetricsOptions {
  /** @default a new Registry */
  registry?: Registry;
  /** Also collect Node process metrics (CPU, heap, event loop lag). @default false */
  defaultMetrics?: boolean;
  /** Workflow type whose outcomes `mj_jobs_total` counts. @default 'mjJobWorkflow' */
  jobWorkflowType?: string;
}

/** Ids in paths would explode label cardinality: `/mj/task/1730000000000/fetch` → `task/:id/fetch`. */
export function upstreamEndpoint(path: string): string {
  const bare = path.split('?')[0] ?? '';
  const at = bare.indexOf('/mj/');
  if (at < 0) return 'other';
  return bare
    .slice(at + 4)
    .split('/')
    .filter(Boolean)
    .map((seg) => (/^\d+$/.test(seg) || (seg.length >= 16 && /^[\w-]+$/.test(seg) && /\d/.test(seg)) ? ':id' : seg))
    .join('/');
}

const LIFECYCLE: Record<string, string> = {
  'Workflow completed': 'completed',
  'Workflow failed': 'failed',
  'Workflow completed as cancelled': 'cancelled',
};

/** Creates the registry and the three counters. */
export function createMetrics(opts: CreateMetricsOptions = {}): Metrics {
  const registry = opts.registry ?? new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'mj_' });
  const upstreamRequests = new Counter({
    name: 'mj_upstream_requests_total',
    help: 'HTTP requests sent to the MidJourney proxy, by endpoint and status code (or error code).',
    labelNames: ['endpoint', 'status'] as const,
    registers: [registry],
  });
  const webhookWakeups = new Counter({
    name: 'mj_webhook_wakeups_total',
    help: 'Webhook deliveries by outcome (signaled = a workflow was woken).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'mj_jobs_total',
    help: 'Job workflows finished on this worker, by outcome.',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const jobType = opts.jobWorkflowType ?? 'mjJobWorkflow';
  const spend = createSpendCounters(registry);

  const upstreamInterceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => {
    const endpoint = upstreamEndpoint(String(options.path ?? ''));
    let counted = false;
    const count = (status: string) => {
      if (counted) return;
      counted = true;
      upstreamRequests.inc({ endpoint, status });
    };
    // `compose` hands interceptors new-style handlers (onRequestStart…); forward every callback unchanged.
    const inner = handler as Dispatcher.DispatchHandler;
    const counting: Dispatcher.DispatchHandler = {
      onRequestStart: (controller, context) => inner.onRequestStart?.(controller, context),
      onRequestUpgrade: (controller, statusCode, headers, socket) =>
        inner.onRequestUpgrade?.(controller, statusCode, headers, socket),
      onResponseStart: (controller, statusCode, headers, statusMessage) => {
        count(String(statusCode));
        return inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData: (controller, chunk) => inner.onResponseData?.(controller, chunk),
      onResponseEnd: (controller, trailers) => inner.onResponseEnd?.(controller, trailers),
      onResponseError: (controller, err) => {
        count((err as { code?: string }).code ?? 'error');
        return inner.onResponseError?.(controller, err);
      },
    };
    return dispatch(options, counting);
  };

  const observeSdkLog = (_level: SdkLogLevel, message: string, meta: LogMetadata | undefined) => {
    const status = LIFECYCLE[message];
    if (status && meta?.workflowType === jobType) jobs.inc({ status });
  };

  return { registry, upstreamRequests, webhookWakeups, jobs, upstreamInterceptor, observeSdkLog, ...spend };
}

function createSpendCounters(registry: Registry): SpendObserver {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const charges = counter('mj_cost_charges_total', 'Upstream tasks charged to the cost ledger.', [
    'upstream',
    'mode',
    'tenant',
  ]);
  const spent = counter('mj_cost_spend_total', 'Sum of the prices charged, in the currency label.', [
    'upstream',
    'mode',
    'tenant',
    'currency',
  ]);
  const refunds = counter('mj_cost_refunds_total', 'Charges refunded (gateway timeout refunds, operators).', [
    'upstream',
    'tenant',
    'reason',
  ]);
  const refunded = counter('mj_cost_refunded_total', 'Sum of the prices refunded, in the currency label.', [
    'upstream',
    'tenant',
    'currency',
  ]);
  const tenants = new Set<string>();
  const tenantLabel = (tenant: string | undefined): string => {
    if (!tenant) return '-';
    if (tenants.has(tenant)) return tenant;
    if (tenants.size >= MAX_TENANT_LABELS) return 'other';
    tenants.add(tenant);
    return tenant;
  };
  return {
    observeCharge: (c) => {
      const tenant = tenantLabel(c.tenant);
      charges.inc({ upstream: c.upstreamId, mode: c.mode, tenant });
      spent.inc({ upstream: c.upstreamId, mode: c.mode, tenant, currency: c.currency }, c.price);
    },
    observeRefund: (c, reason) => {
      const tenant = tenantLabel(c.tenant);
      refunds.inc({ upstream: c.upstreamId, tenant, reason });
      refunded.inc({ upstream: c.upstreamId, tenant, currency: c.currency }, c.price);
    },
  };
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (Prometheus text format) from the registry. */
export async function serveMetrics(registry: Registry, opts: { port: number; host?: string }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500).end();
        }
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  const host = opts.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
