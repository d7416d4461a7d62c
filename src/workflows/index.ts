/**
 * Every workflow and message definition the worker registers and clients import. The worker's
 * `workflowsPath` points here, so everything exported must be workflow-safe. One folder per workflow, each with its
 * `messages.ts`; activities import only those messages modules.
 */
export { mjJobWorkflow } from './job/job-workflow';
export { getProgressQuery, jobChangedSignal, provideModalInputUpdate, taskChangedSignal } from './job/messages';
export { pipelineWorkflow } from './pipeline/pipeline-workflow';
export { getPipelineProgressQuery, provideStepInputUpdate } from './pipeline/messages';
export { batchWorkflow } from './batch/batch-workflow';
export { getBatchProgressQuery } from './batch/messages';
export { slotManagerWorkflow } from './slots/slot-manager-workflow';
export { configureSlotsUpdate, getSlotsQuery } from './slots/messages';
export { callbackDeliveryWorkflow } from './callback';
export { costLedgerWorkflow } from './ledger/cost-ledger-workflow';
export { tenantsWorkflow } from './tenants';
export { upstreamPoolWorkflow } from './upstreams/upstream-pool-workflow';
export { getUpstreamHealthQuery, setUpstreamEnabledUpdate } from './upstreams/messages';
export { pagedBatchWorkflow } from './batch/paged-batch-workflow';
export { batchChunkWorkflow } from './batch/batch-chunk-workflow';
export {
  chunkProgressSignal,
  getChunkProgressQuery,
  getPagedBatchProgressQuery,
  setBatchPausedSignal,
} from './batch/messages';
