/**
 * Every workflow and message definition the worker registers and clients import. The worker's `workflowsPath`
 * points here, so everything exported must be workflow-safe.
 */
export { getProgressQuery, mjJobWorkflow, provideModalInputUpdate, taskChangedSignal } from './job-workflow';
export * from './pipeline-workflow';
export * from './batch-workflow';
export { configureSlotsUpdate, getSlotsQuery, slotManagerWorkflow } from './slot-workflow';
export { callbackDeliveryWorkflow } from './callback';
export { tenantsWorkflow } from './tenants';
