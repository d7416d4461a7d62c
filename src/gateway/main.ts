/**
 * `npm run gateway`: the midjourney-proxy API over the durable jobs, as its own process (scale by running more).
 * Temporal settings from `@temporalio/envconfig`, ours from `MJ_*` and `MJ_GATEWAY_*` (options.ts); the worker
 * that runs jobs is a separate process (`npm run worker`).
 */
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { startGateway } from './gateway';
import { gatewayOptionsFromEnv } from '../config/gateway';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.logLevel, name: 'mj-gateway' });
  const gw = await startGateway({ config, gateway: gatewayOptionsFromEnv(process.env), log });
  process.stdout.write(`gateway listening on ${gw.server.url}\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info({ signal }, 'gateway stopping');
    void gw.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof ConfigError || err instanceof TypeError ? 2 : 1);
  });
}
