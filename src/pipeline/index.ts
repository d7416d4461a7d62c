/**
 * Node-side pipeline and batch specs: zod validation and normalisation at the edge; workflows get plain data.
 */
export { parsePipelineSpec, pipelineFileSchema, pipelineStepSchema, ENTRY_KEYS } from './spec';
export { parseBatchSpec, batchFileSchema, type BatchSpecOptions } from './batch';
export { PipelineSpecError, BatchSpecError } from './errors';
export { intentLabel, intentNeeds, toPipelineIntent } from './intents';
