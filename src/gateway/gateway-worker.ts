/**
 * The gateway's worker, on its own task queue (`mj-gateway`): the tenants registry's updates and the callback
 * deliveries. It runs in every gateway process (so deliveries scale with the gateways); the read path never waits
 * on it.
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { payloadCodecsFor } from '../client';
import type { Config } from '../config';
import type { MjCostClient } from '../client/cost';
import { createCallbackActivities } from './callbacks/callback-activities';
import type { UrlSigner } from './tasks/image-urls';
import type { TenantDirectory } from '../tenancy/tenant-directory';

export interface GatewayWorkerOptions {
  config: Config;
  taskQueue: string;
  deploymentSecret: string;
  urls: UrlSigner;
  allowPrivateHooks: boolean;
  tenants: TenantDirectory;
  /** Base of callback payloads' image URLs, given the job's memo `baseUrl` (public-url.ts `callbackBaseUrl`). */
  baseUrl(memoBaseUrl: string | undefined): string;
  /** The cost ledger, so callbacks show a routed task's cost as fetch does. */
  cost?: Pick<MjCostClient, 'chargesOf'>;
  connection?: NativeConnection;
  namespace?: string;
  workflowBundle?: WorkflowBundleOption;
}

export interface GatewayWorker {
  readonly worker: Worker;
  run(): Promise<void>;
  shutdown(): void;
}

export async function createGatewayWorker(o: GatewayWorkerOptions): Promise<GatewayWorker> {
  const connection = o.connection ?? (await NativeConnection.connect(o.config.temporal.connectionOptions));
  const namespace = o.namespace ?? o.config.temporal.namespace ?? 'default';
  const codecs = payloadCodecsFor(o.config);
  const dataConverter = codecs.length > 0 ? { payloadCodecs: codecs } : undefined;
  const client = new Client({ connection, namespace, dataConverter });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue: o.taskQueue,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createCallbackActivities({
      client,
      deploymentSecret: o.deploymentSecret,
      urls: o.urls,
      allowPrivateHooks: o.allowPrivateHooks,
      allowList: async (tenant) => (await o.tenants.options(tenant)).hookAllowList,
      keyGeneration: (tenant) => o.tenants.keyGeneration(tenant),
      baseUrl: o.baseUrl,
      cost: o.cost,
    }),
    dataConverter,
    shutdownGraceTime: '10s',
  });
  return {
    worker,
    run: async () => {
      try {
        await worker.run();
      } finally {
        if (!o.connection) await connection.close();
      }
    },
    shutdown: () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    },
  };
}
