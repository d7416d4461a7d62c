/** One upstream view for routing and pool tests: FAST 4 / RELAX 2, priced 0.10 / 0.02 USD, unless overridden. */
import type { UpstreamView } from '../../../src/shared/upstreams/types';

export const upstreamView = (id: string, extra: Partial<UpstreamView> = {}): UpstreamView => ({
  id,
  flavour: 'trueai',
  priority: 0,
  weight: 1,
  features: [],
  modes: { FAST: { concurrency: 4 }, RELAX: { concurrency: 2 } },
  prices: { currency: 'USD', default: { FAST: 0.1, RELAX: 0.02 } },
  ...extra,
});
