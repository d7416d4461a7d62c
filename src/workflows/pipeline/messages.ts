/**
 * Messages of `pipelineWorkflow`: the step-input update a person answers with and the progress query, with their
 * payload types. Workflow-safe. Rejections carry `RejectionDetails`.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PipelineProgress, StepInput, StepInputAck } from '../../shared/pipeline-types';

export type {
  PipelineInput,
  PipelineProgress,
  PipelineResult,
  StepInput,
  StepInputAck,
} from '../../shared/pipeline-types';

/** A person supplies a waiting step's input: modal input, a pick choice, or a describe prompt number. */
export const provideStepInputUpdate = defineUpdate<StepInputAck, [StepInput]>('provideStepInput');
/** Every step × branch with its status, job id and what it waits for, as the pipeline knows it. */
export const getPipelineProgressQuery = defineQuery<PipelineProgress>('getPipelineProgress');
