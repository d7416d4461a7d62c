/**
 * Process entry of the webhook receiver (`node lib/webhook/main.js` in the image; `tsx src/webhook/main.ts` in dev).
 * Stateless: run as many replicas as needed behind a load balancer; each one only signals Temporal.
 */
import { createTemporalClient } from '../config/process-wiring';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { createMetrics, serveMetrics } from '../metrics';
import { openProgressStore } from './progress-pruner';
import { startWebhookReceiver } from './receiver';

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  if (!config.webhook.token)
    throw new ConfigError([{ field: 'MJ_WEBHOOK_TOKEN', rule: 'is required to run the webhook receiver' }]);
  const log = createLogger({ level: config.logLevel, name: 'mj-webhook' });
  for (const w of config.warnings) log.warn(w);
  const metrics = createMetrics({ defaultMetrics: true });
  const { client, connection } = await createTemporalClient(config);
  const progress = openProgressStore(config.progress, log);
  const receiver = await startWebhookReceiver({
    client,
    token: config.webhook.token,
    upstreamIds: config.upstreams?.upstreams.map((u) => u.id),
    port: config.webhook.port,
    host: config.webhook.host,
    maxBodyBytes: config.webhook.maxBodyBytes,
    progressStore: progress.store,
    log,
    metrics,
  });
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : await serveMetrics(metrics.registry, { port: config.metrics.port, host: config.metrics.host });

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'webhook receiver stopping');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  progress.stop();
  await receiver.close();
  await metricsServer?.close();
  await connection.close();
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
