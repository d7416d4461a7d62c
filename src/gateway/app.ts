/**
 * What every route handler gets: the Temporal client and asset store (from `MjJobsClient`), the tenants directory,
 * options, the limiter and, for image-seed, an upstream client. Plus admission: rate limits per tenant and the
 * open-jobs cap, each answered with 429 and Retry-After.
 */
import type { Client } from '@temporalio/client';
import type { AssetStore } from '../assets';
import type { MjJobsClient } from '../client';
import type { Logger } from '../logger';
import type { MjClient } from '../mj';
import type { SpeedMode } from '../mj/types';
import { tooMany } from './errors';
import type { Body } from './routes/fields';
import type { UrlSigner } from './tasks/image-urls';
import type { GatewayOptionsWithDefaults } from '../config/gateway';
import { RateLimiter } from './guards/rate-limit';
import { countOpenJobs } from './tasks/read-path';
import type { TenantDirectory } from '../tenancy/tenant-directory';
import type { ViewCache } from './tasks/view-cache';
import type { BudgetGuard } from './guards/budget-guard';
import type http from 'node:http';
import type { StreamSlots } from './tasks/event-streams';
import type { TenantJobWatch } from './tasks/tenant-feed';

export interface GatewayApp {
  mj: MjJobsClient;
  client: Client;
  store: AssetStore;
  tenants: TenantDirectory;
  options: GatewayOptionsWithDefaults;
  limiter: RateLimiter;
  /** Signs and checks our image and upload URLs. */
  urls: UrlSigner;
  log: Logger;
  /** For `image-seed` (the seed is not part of the job memo). */
  upstream?: MjClient;
  /** Views of `fetch` and `list-by-condition` read a moment ago; writers drop what they change. */
  views?: ViewCache;
  /** Refuses a submit whose tenant's refusing budget is used up (cost ledger). @default no pre-check */
  budgets?: BudgetGuard;
  /** Open event streams of this process, capped per tenant and in all. */
  streams: StreamSlots;
  /** The tenants' jobs for `/mj/events`: one visibility look per tenant and process. */
  tenantJobs: TenantJobWatch;
}

/** One authenticated request as a handler sees it. */
export interface RequestCtx {
  tenant: string;
  body: Body;
  /** Path parameters (task id, image index, …). */
  params: string[];
  /** Speed mode from a `/mj-fast|/mj-turbo|/mj-relax` prefix. */
  modeFromPath?: SpeedMode;
  /** Base of absolute URLs we answer with. */
  baseUrl: string;
  idempotencyKey?: string;
  /** The `Last-Event-ID` header of an event stream's reconnect. */
  lastEventId?: string;
  /** The `after` query parameter (an event stream's resume point, for clients that cannot set headers). */
  after?: string;
}

export interface Answer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** An event stream: the server hands it the response (with the CORS headers) instead of sending `body`. */
  stream?: (req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>) => Promise<void>;
}

export async function admitRead(app: GatewayApp, tenant: string): Promise<void> {
  const rate = (await app.tenants.options(tenant)).readsPerSecond ?? app.options.readsPerSecond;
  const wait = app.limiter.take(`r:${tenant}`, rate, rate * 2);
  if (wait > 0) throw tooMany('read rate limit reached', wait);
}

/** The tenant's submit rate (`submitsPerMinute`): every submit, and every other write (uploads, modal masks). */
export async function admitWrite(app: GatewayApp, tenant: string): Promise<void> {
  const opts = await app.tenants.options(tenant);
  const perMin = opts.submitsPerMinute ?? app.options.submitsPerMinute;
  const wait = app.limiter.take(`s:${tenant}`, perMin / 60, Math.max(1, Math.ceil(perMin / 6)));
  if (wait > 0) throw tooMany('submit rate limit reached', wait);
}

export async function admitSubmit(app: GatewayApp, tenant: string): Promise<void> {
  await admitWrite(app, tenant);
  const opts = await app.tenants.options(tenant);
  const cap = opts.maxOpenJobs ?? app.options.maxOpenJobs;
  if ((await countOpenJobs(app.client, tenant)) >= cap) throw tooMany(`at most ${cap} open jobs per tenant`, 30);
}
