/**
 * The console's `MjJobsClient` of each tenant: the service's client (connection, namespace, codec, asset store, task
 * queue) with {@link tenantStartInterceptor}, so every workflow it starts is the tenant's in visibility.
 */
import { Client } from '@temporalio/client';
import { MjJobsClient } from '../client';
import type { SpeedMode } from '../mj/types';
import type { TenantId } from './backend';
import { tenantStartInterceptor } from './tenancy';

export class TenantClients {
  private readonly clients = new Map<TenantId, MjJobsClient>();

  /** @param mode Default speed mode of the jobs the tenants' clients start. */
  constructor(
    private readonly mj: MjJobsClient,
    private readonly mode: SpeedMode | undefined
  ) {}

  /** The tenant's client, made on first use. */
  of(tenant: TenantId): MjJobsClient {
    let mj = this.clients.get(tenant);
    if (!mj) {
      const base = this.mj.client;
      const client = new Client({
        connection: base.connection,
        namespace: base.options.namespace,
        dataConverter: base.options.dataConverter,
        interceptors: { workflow: [tenantStartInterceptor(tenant)] },
      });
      mj = new MjJobsClient({
        client,
        store: this.mj.store,
        taskQueue: this.mj.taskQueue,
        mode: this.mode,
        progressStore: this.mj.progressStore,
        prices: [...this.mj.batches.prices],
      });
      this.clients.set(tenant, mj);
    }
    return mj;
  }
}
