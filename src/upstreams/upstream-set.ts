/**
 * The worker's upstreams: one {@link MjClient} per configured id, built like the legacy client
 * (`createMjClient` in `src/worker.ts`: same timeouts, the worker's dispatcher with its metrics interceptor). API
 * keys are revealed here and nowhere else; the hook URL per upstream carries that upstream's derived token.
 */
import type { Dispatcher } from 'undici';
import type { Config } from '../config';
import { MjClient } from '../mj';
import { durationToMs } from '../shared/duration';
import { upstreamToken } from '../webhook/token';
import { viewOf, type UpstreamConfig, type UpstreamsConfig } from '../config/upstreams';
import { UnknownUpstreamError } from './errors';
import type { RoutingSettings, UpstreamSet, UpstreamView } from '../shared/upstreams/types';

export interface UpstreamSetOptions {
  /** Requests go through this dispatcher (the worker's Agent under the metrics interceptor). */
  dispatcher: Dispatcher;
  /** Request deadline of every client. @default config.mj.httpTimeout */
  timeoutMs?: number;
  /** `<MJ_PUBLIC_BASE_URL>` and `MJ_WEBHOOK_TOKEN` revealed; undefined turns hooks off. */
  webhook?: { publicBaseUrl: string; token: string };
  /** Tests: replace how a client is built. @default `new MjClient(...)` */
  makeClient?: (upstream: UpstreamConfig) => MjClient;
}

/** The hook URL of one upstream: the receiver maps its token back to the upstream id. */
export function upstreamHookUrl(webhook: { publicBaseUrl: string; token: string }, upstreamId: string): string {
  return `${webhook.publicBaseUrl}/webhook/mj/${upstreamToken(webhook.token, upstreamId)}`;
}

export class ConfiguredUpstreamSet implements UpstreamSet {
  readonly #clients = new Map<string, MjClient>();
  readonly #hooks = new Map<string, string>();
  readonly #views: UpstreamView[];

  constructor(
    private readonly config: UpstreamsConfig,
    options: UpstreamSetOptions
  ) {
    for (const u of config.upstreams) {
      this.#clients.set(u.id, options.makeClient?.(u) ?? clientOf(u, options));
      if (options.webhook) this.#hooks.set(u.id, upstreamHookUrl(options.webhook, u.id));
    }
    this.#views = config.upstreams.map(viewOf);
  }

  ids(): string[] {
    return this.config.upstreams.map((u) => u.id);
  }

  client(id: string): MjClient {
    const c = this.#clients.get(id);
    if (!c) throw new UnknownUpstreamError(id, this.ids());
    return c;
  }

  notifyHookUrl(id: string): string | undefined {
    if (!this.#clients.has(id)) throw new UnknownUpstreamError(id, this.ids());
    return this.#hooks.get(id);
  }

  /** Every hook URL (the activities mask them in failure messages). */
  hookUrls(): string[] {
    return [...this.#hooks.values()];
  }

  views(): UpstreamView[] {
    return this.#views.map((v) => structuredClone(v));
  }

  routing(): RoutingSettings {
    return { rule: this.config.routing.rule, modePreference: [...this.config.routing.modePreference] };
  }

  /** Closes the clients' own Agents (an injected dispatcher stays open: it belongs to the worker). */
  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((c) => c.close()));
  }
}

function clientOf(u: UpstreamConfig, options: UpstreamSetOptions): MjClient {
  return new MjClient({
    baseUrl: u.baseUrl,
    flavour: u.flavour,
    apiKey: u.apiKey?.reveal(),
    authScheme: u.authScheme,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(u.refreshInterval !== undefined ? { refreshIntervalMs: durationToMs(u.refreshInterval) } : {}),
    dispatcher: options.dispatcher,
  });
}

/** The set of `config.upstreams` (which must be set) with the worker's timeouts and webhook settings. */
export function createUpstreamSet(
  config: Config,
  dispatcher: Dispatcher,
  overrides: Partial<UpstreamSetOptions> = {}
): ConfiguredUpstreamSet {
  if (!config.upstreams) throw new TypeError('createUpstreamSet: config.upstreams is not set');
  const { publicBaseUrl, token } = config.webhook;
  return new ConfiguredUpstreamSet(config.upstreams, {
    dispatcher,
    timeoutMs: durationToMs(config.mj.httpTimeout),
    ...(publicBaseUrl && token ? { webhook: { publicBaseUrl, token: token.reveal() } } : {}),
    ...overrides,
  });
}
