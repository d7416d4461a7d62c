/**
 * Activities of account slots. Workflows cannot signal-with-start or describe other workflows, so these use a
 * Temporal `Client` injected by the worker:
 * `activities: { ...createActivities(deps), ...createSlotActivities({ client }) }`. The client must use the worker's
 * data converter (payload codec), like every other client of this service.
 */
import { Context, log as temporalLog } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionStatusName } from '@temporalio/client';
import {
  acquireSlotSignal,
  SLOT_MANAGER_WORKFLOW_TYPE,
  type AcquireSlotInput,
  type SlotActivities,
  type SlotHolderRef,
  type SlotHolderState,
  type SlotManagerInput,
  type SlotRequest,
} from '../workflows/slots/messages';
import type { ActivityLogger } from './failures';

export interface SlotActivityDeps {
  client: Client;
  /** Task queue of the managers this worker starts. @default the task queue of the calling activity */
  taskQueue?: string;
  /** Settings of the managers this worker starts (a running manager keeps its own). */
  manager?: Pick<SlotManagerInput, 'reclaimInterval' | 'continueAsNewAfterEvents'>;
  /** @default `log` from `@temporalio/activity` */
  log?: ActivityLogger;
}

const CLOSED = new Set<WorkflowExecutionStatusName>([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'TIMED_OUT',
  'CONTINUED_AS_NEW',
]);

export function createSlotActivities(deps: SlotActivityDeps): SlotActivities {
  const { client } = deps;
  const log = (): ActivityLogger => deps.log ?? temporalLog;

  return {
    /** Delivers a slot request to the account × mode manager, starting the manager if it does not run. Idempotent. */
    async acquireSlot(input: AcquireSlotInput): Promise<void> {
      await client.workflow.signalWithStart<(input: SlotManagerInput) => Promise<void>, [SlotRequest]>(
        SLOT_MANAGER_WORKFLOW_TYPE,
        {
          workflowId: input.managerId,
          taskQueue: deps.taskQueue ?? Context.current().info.taskQueue,
          args: [{ account: input.account, mode: input.mode, limits: input.limits, ...deps.manager }],
          signal: acquireSlotSignal,
          signalArgs: [input.request],
        }
      );
    },

    /**
     * Whether each holder's execution chain still runs (in input order). Describes the latest run of the workflow id,
     * so a holder that continued as new counts as running; a different first run id means the id was reused.
     */
    async describeSlotHolders(input: { holders: SlotHolderRef[] }): Promise<SlotHolderState[]> {
      return Promise.all(
        input.holders.map(async (h): Promise<SlotHolderState> => {
          try {
            const d = await client.workflow.getHandle(h.workflowId).describe();
            if (CLOSED.has(d.status.name)) return 'closed';
            const firstRunId = d.raw.workflowExecutionInfo?.firstRunId;
            if (firstRunId && h.firstRunId && firstRunId !== h.firstRunId) return 'closed';
            return d.status.name === 'RUNNING' || d.status.name === 'PAUSED' ? 'running' : 'unknown';
          } catch (err) {
            if (err instanceof WorkflowNotFoundError) return 'closed';
            log().warn('slot holder describe failed', { workflowId: h.workflowId, error: String(err) });
            return 'unknown';
          }
        })
      );
    },
  };
}
