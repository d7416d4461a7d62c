/**
 * The web console for the people in the loop: mount `createConsoleHandler({ backend })` in any Node HTTP
 * server (the gateway serves it at `/console`); `TemporalConsoleBackend` is the backend over the project's parts.
 */
export * from './backend';
export { createConsoleHandler, type ConsoleHandler, type ConsoleOptions } from './router';
export { TemporalConsoleBackend, type TemporalConsoleBackendOptions } from './temporal-backend';
export { MJ_TENANT, StaticTenantKeys, tenantStartInterceptor } from './tenancy';
export { CONTENT_SECURITY_POLICY } from './http';
export { checkMask } from './mask';
export { MemorySessionEnds, type SessionEnds } from './session';
export { StoreSessionEnds } from './session-ends';
export { mountConsole, consoleSessionSecret, type MountConsoleOptions } from './mount';
