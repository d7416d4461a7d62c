/**
 * A small {@link UpstreamSet} over clients a test built itself (simulators on loopback): what the worker's configured
 * set is, without a config file. Used by the multi-upstream lane and by worker processes of the chaos suite.
 */
import { MjClient } from '../../src/mj';
import type { MjFlavour } from '../../src/mj/types';
import type { RoutingSettings, UpstreamSet, UpstreamView } from '../../src/shared/upstreams/types';

export class FixedUpstreamSet implements UpstreamSet {
  constructor(
    readonly clients: Map<string, MjClient>,
    private readonly viewList: UpstreamView[],
    private readonly settings: RoutingSettings
  ) {}

  /** One client per view, at `urls[view.id]`, with that view's flavour (and an API key where given). */
  static over(
    views: UpstreamView[],
    routing: RoutingSettings,
    urls: Record<string, string>,
    extra: { apiKeys?: Record<string, string>; timeoutMs?: number } = {}
  ): FixedUpstreamSet {
    const clients = new Map(
      views.map((v) => [
        v.id,
        new MjClient({
          baseUrl: urls[v.id]!,
          flavour: v.flavour as MjFlavour,
          ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}),
          ...(extra.apiKeys?.[v.id] ? { apiKey: extra.apiKeys[v.id] } : {}),
        }),
      ])
    );
    return new FixedUpstreamSet(clients, views, routing);
  }

  ids(): string[] {
    return [...this.clients.keys()];
  }

  client(id: string): MjClient {
    const c = this.clients.get(id);
    if (!c) throw new Error(`unknown upstream ${id}`);
    return c;
  }

  notifyHookUrl(): string | undefined {
    return undefined;
  }

  views(): UpstreamView[] {
    return this.viewList.map((v) => structuredClone(v));
  }

  routing(): RoutingSettings {
    return structuredClone(this.settings);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}
