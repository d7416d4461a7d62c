/**
 * The callback delivery activity: builds the task JSON of one change (the same object `fetch` answers), signs it
 * with the tenant's secret (`X-MJ-Signature: t=…,v1=HMAC-SHA256("<t>.<body>")`) and POSTs it with the change's
 * sequence (`X-MJ-Sequence`, also `sequence` in the body). Any network error or 5xx/408/429 throws, so Temporal
 * retries with the workflow's backoff; another 4xx or a 3xx (redirects are not followed), or a hook the SSRF guard
 * refuses, is `CallbackRejected` (non-retryable) and logged. The POST goes through the guard's dispatcher, so the
 * address connected to is the one checked (`hook-guard.ts`).
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { request } from 'undici';
import type { MjCostClient } from '../../client/cost';
import { signWebhook, SIGNATURE_HEADER } from '../../webhook/signing';
import type {
  CallbackActivities,
  DeliverCallbackInput,
  DeliverCallbackResult,
} from '../../workflows/callback/messages';
import { GATEWAY_MEMO_KEY, type GatewayMemo } from '../tasks/gateway-memo';
import { checkHookUrl, hookDispatcher, HookRefusedError, type HookResolver } from '../guards/hook-guard';
import { imageUrls, type UrlSigner } from '../tasks/image-urls';
import { tenantWebhookSecret } from '../secrets';
import { taskCosts } from '../tasks/task-cost';
import { toProxyTask } from '../tasks/task-view';

export const SEQUENCE_HEADER = 'X-MJ-Sequence';

export interface CallbackActivityDeps {
  client: Client;
  deploymentSecret: string;
  /** Signs the image URLs in the task JSON. */
  urls: UrlSigner;
  allowPrivateHooks: boolean;
  /** Tenant's allow-list, read from the registry. */
  allowList(tenant: string): Promise<readonly string[] | undefined>;
  /** Tenant's key generation, read from the registry (signed image URLs carry it). */
  keyGeneration(tenant: string): Promise<number>;
  /** Base of the payload's image URLs, given the job's memo `baseUrl` (public-url.ts `callbackBaseUrl`). */
  baseUrl(memoBaseUrl: string | undefined): string;
  /** Resolver of hook hosts, checked at each connection. @default dns.lookup (all addresses) */
  resolve?: HookResolver;
  /** The cost ledger, for a routed task's `properties.cost` (as `fetch` shows it). @default no cost shown */
  cost?: Pick<MjCostClient, 'chargesOf'>;
  /** @default 10000 @unit ms */
  timeoutMs?: number;
}

function rejected(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'CallbackRejected', message, nonRetryable: true });
}

export function createCallbackActivities(deps: CallbackActivityDeps): CallbackActivities {
  const dispatcher = hookDispatcher({ allowPrivate: deps.allowPrivateHooks, resolve: deps.resolve });
  return {
    async deliverCallback(input: DeliverCallbackInput): Promise<DeliverCallbackResult> {
      const attempt = Context.current().info.attempt;
      const bad = checkHookUrl(input.url, { allowList: await deps.allowList(input.tenant) });
      if ('rule' in bad) throw rejected(`notifyHook refused (${bad.rule}): ${bad.message}`);
      const d = await deps.client.workflow.getHandle(input.jobWorkflowId).describe();
      const gateway = d.memo?.[GATEWAY_MEMO_KEY] as GatewayMemo | undefined;
      if (!gateway) throw rejected('job has no gateway memo');
      const base = deps.baseUrl(gateway.baseUrl);
      const view = { gateway, job: input.memo, execution: 'RUNNING' };
      // The task JSON fetch answers for this change, routed tasks' cost included.
      const costs = deps.cost ? await taskCosts(deps.cost, [view]) : undefined;
      const task = toProxyTask(
        view,
        imageUrls(base, deps.urls, input.tenant, await deps.keyGeneration(input.tenant)),
        costs?.get(gateway.taskId)
      );
      const body = JSON.stringify({ ...task, sequence: input.seq });
      const signature = signWebhook(tenantWebhookSecret(deps.deploymentSecret, input.tenant), body);
      let status: number;
      try {
        const res = await request(input.url, {
          method: 'POST',
          body,
          dispatcher,
          headersTimeout: deps.timeoutMs ?? 10_000,
          bodyTimeout: deps.timeoutMs ?? 10_000,
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signature,
            [SEQUENCE_HEADER]: String(input.seq),
            'user-agent': 'mj-temporal-gateway',
          },
        });
        status = res.statusCode;
        await res.body.dump();
      } catch (err) {
        // An address the guard refuses is final; a name that did not resolve may resolve on a later attempt.
        if (err instanceof HookRefusedError && err.rule === 'public-address')
          throw rejected(`notifyHook refused (${err.rule}): ${err.message}`);
        throw ApplicationFailure.create({
          type: 'CallbackUnreachable',
          message: `notifyHook unreachable: ${(err as Error).message}`,
        });
      }
      if (status >= 200 && status < 300) return { outcome: 'delivered', httpStatus: status, attempts: attempt };
      if (status >= 500 || status === 408 || status === 429 || status === 425)
        throw ApplicationFailure.create({ type: 'CallbackRetry', message: `notifyHook answered HTTP ${status}` });
      throw rejected(`notifyHook answered HTTP ${status}`);
    },
  };
}
