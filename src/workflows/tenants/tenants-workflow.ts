/**
 * `tenantsWorkflow`: the durable list of tenants and their API key hashes (id {@link TENANTS_WORKFLOW_ID}, on the
 * gateway's task queue). Updates change it; after each change the whole registry is upserted into the memo, which
 * every gateway process reads with `describe` (cached briefly), so the read path needs no worker and survives
 * restarts of everything. Continues as new with its state when history grows.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  upsertMemo,
} from '@temporalio/workflow';
import { TENANTS_CONTINUE_AS_NEW_EVENTS } from '../../shared/defaults';
import { historyIsLong } from '../common/history';
import {
  createKeyUpdate,
  getTenantsQuery,
  revokeKeyUpdate,
  setTenantOptionsUpdate,
  TENANTS_MEMO_KEY,
  TENANTS_REJECTION,
  type TenantsMemo,
} from './messages';
import { TenantRegistry, type RegistryRejection } from './registry';

function reject(r: RegistryRejection): never {
  throw ApplicationFailure.create({
    type: TENANTS_REJECTION,
    message: r.message,
    nonRetryable: true,
    details: [{ field: r.field, rule: r.rule }],
  });
}

export async function tenantsWorkflow(carry?: TenantsMemo): Promise<void> {
  const registry = new TenantRegistry(carry);
  const publish = () => upsertMemo({ [TENANTS_MEMO_KEY]: registry.snapshot() });
  // Also after continue-as-new: the new run must not depend on the memo being copied.
  publish();

  setHandler(getTenantsQuery, () => registry.snapshot());
  setHandler(
    createKeyUpdate,
    (req) => {
      const ack = registry.createKey(req, Date.now());
      publish();
      return ack;
    },
    {
      validator: (req) => {
        const bad = registry.checkCreate(req);
        if (bad) reject(bad);
      },
    }
  );
  setHandler(revokeKeyUpdate, ({ keyId }) => {
    const out = registry.revokeKey(String(keyId), Date.now());
    if (out.revoked) publish();
    return out;
  });
  setHandler(
    setTenantOptionsUpdate,
    ({ tenant, options }) => {
      const out = registry.setOptions(tenant, options);
      publish();
      return out;
    },
    {
      validator: ({ tenant, options }) => {
        const bad = registry.checkSetOptions(tenant, options);
        if (bad) reject(bad);
      },
    }
  );

  await condition(() => historyIsLong(TENANTS_CONTINUE_AS_NEW_EVENTS));
  await condition(allHandlersFinished);
  await continueAsNew<typeof tenantsWorkflow>(registry.snapshot());
}
