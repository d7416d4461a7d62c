/**
 * Mounts the console into a running gateway: the same process serves `/console`, signs people in with
 * the gateway's tenant keys, and reads and starts jobs through the gateway's `MjJobsClient`. The session key is
 * derived from the gateway's deployment secret, so every gateway process accepts the same sessions; sign-outs are
 * recorded in the asset store (session-ends.ts), so every process refuses a signed-out cookie, also after a restart.
 * Cookies are `__Host-` cookies when the gateway's public URL (`MJ_GATEWAY_PUBLIC_URL`) is https. A key is checked
 * on every request against the tenants directory, which caches the registry for `tenantCacheMs`: a revoked key ends
 * its sessions within that time.
 *
 * @example const gw = await startGateway({...}); const { url } = mountConsole(gw, { temporalUiUrl });
 */
import { createHmac } from 'node:crypto';
import { admitWrite } from '../gateway/app';
import type { RunningGateway } from '../gateway/gateway';
import { StoreSessionEnds } from './session-ends';
import { admitStorage } from '../gateway/guards/storage-quota';
import { createConsoleHandler, type ConsoleHandler, type ConsoleOptions } from './router';
import { TemporalConsoleBackend, type TemporalConsoleBackendOptions } from './temporal-backend';

export interface MountConsoleOptions extends Omit<ConsoleOptions, 'backend' | 'sessionSecret'> {
  /** Base URL of the Temporal Web UI for the job pages' links. */
  temporalUiUrl?: string;
  jobDefaults?: TemporalConsoleBackendOptions['jobDefaults'];
}

export function consoleSessionSecret(deploymentSecret: string): Buffer {
  return createHmac('sha256', deploymentSecret).update('console-session').digest();
}

/**
 * The gateway's metering of image writes for the console's starts and answers: the tenant's submit rate, then its
 * storage quota (src/gateway/guards/storage-quota.ts), before the job service stores anything.
 */
export function consoleWriteMeter(gw: RunningGateway): (tenant: string, bytes: number) => Promise<void> {
  return async (tenant, bytes) => {
    await admitWrite(gw.app, tenant);
    await admitStorage(gw.app, tenant, bytes);
  };
}

export function mountConsole(
  gw: RunningGateway,
  opts: MountConsoleOptions = {}
): { url: string; handler: ConsoleHandler } {
  const backend = new TemporalConsoleBackend({
    mj: gw.app.mj,
    authenticate: async (key) => (await gw.tenants.authenticate(key)) ?? null,
    temporalUiUrl: opts.temporalUiUrl,
    jobDefaults: opts.jobDefaults,
    beforeWrite: consoleWriteMeter(gw),
  });
  const { temporalUiUrl: _ui, jobDefaults: _jd, ...rest } = opts;
  const handler = createConsoleHandler({
    secureCookies: gw.options.publicBaseUrl?.startsWith('https://') ?? false,
    keyRecheckMs: 0,
    sessionEnds: new StoreSessionEnds(gw.app.store, { recheckMs: gw.options.tenantCacheMs }),
    ...rest,
    backend,
    sessionSecret: consoleSessionSecret(gw.options.secret),
  });
  gw.server.addHandler(handler);
  return { url: `${gw.server.publicUrl}${(opts.basePath ?? '/console').replace(/\/+$/, '')}`, handler };
}
