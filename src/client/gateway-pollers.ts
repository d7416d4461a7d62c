/**
 * Whether a gateway worker polls a task queue. The tenants registry's updates and the delivery log's query and
 * replay are answered by the gateway's worker only; without one the SDK waits for it without end, so the CLI asks
 * first and says what to start instead of hanging at the prompt.
 */
import type { Client } from '@temporalio/client';
import { GatewayNotRunningError } from './errors';

// temporal.api.enums.v1 values, by number: `@temporalio/proto` is not a runtime dependency of the client.
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

/**
 * Throws {@link GatewayNotRunningError} when no worker has polled `taskQueue` for workflow tasks lately. The server
 * remembers a poller for a few minutes, so a gateway that just stopped still passes (the call then waits for it).
 */
export async function requireGatewayWorker(client: Client, taskQueue: string): Promise<void> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
  });
  if (!res.pollers || res.pollers.length === 0) throw new GatewayNotRunningError(taskQueue);
}
