import type { TaskRoute } from './types';

/**
 * `ApplicationFailure.type` values a job or pipeline ends with. Callers match on these strings, not on classes,
 * because failures cross a serialisation boundary.
 */
export const JOB_FAILURE = {
  /** The proxy refused the prompt at submit (N code 24). */
  bannedPrompt: 'BannedPrompt',
  /** MidJourney refused the prompt or image after accepting it (T's asynchronous refusal, image denied). */
  contentPolicy: 'ContentPolicy',
  /** MidJourney rejected a parameter (`[Invalid parameter] …`). */
  invalidParameter: 'InvalidParameter',
  /** MidJourney could not read an image link. */
  invalidLink: 'InvalidLink',
  /** The proxy timed the task out (`任务超时`, `执行超时`). */
  upstreamTimeout: 'UpstreamTimeout',
  /**
   * A new-api-style gateway marked the task FAILURE an hour after its submit ("上游任务超时", contract §8.7) and refunded
   * it. Not MidJourney's verdict: a pipeline resubmits such a job once.
   */
  gatewayTimeout: 'GatewayTimeout',
  /** Any other upstream FAILURE. */
  upstreamFailure: 'UpstreamFailure',
  /** The proxy rejected the request (code 4 and similar). */
  validation: 'ValidationRejected',
  /** The proxy flavour has no way to do this (e.g. vary-region on novicezk). */
  unsupported: 'Unsupported',
  /** The requested button is not on the parent task. */
  buttonNotFound: 'ButtonNotFound',
  /** A submit may or may not have been accepted, and the policy forbids a blind resubmit. */
  submitOutcomeUnknown: 'SubmitOutcomeUnknown',
  /** A phase deadline passed (queued, stalled, total) and a final fetch confirmed no progress. */
  deadlineExceeded: 'DeadlineExceeded',
  /** Nobody supplied MODAL input before the configured expiry. */
  modalExpired: 'ModalExpired',
  /** The proxy refused our credentials. */
  auth: 'AuthFailed',
  /**
   * A gateway kept answering code 5 `unmarshal_response_body_failed` (its upstream refused the channel key) after a
   * few attempts; details `{ field: 'upstreamKey', rule: 'accepted-by-upstream', phase, code, attempts }`.
   */
  upstreamAuth: 'UpstreamAuthFailed',
  /** The upstream task was cancelled outside this workflow. */
  cancelled: 'Cancelled',
  /** The parent task of an action stayed missing or not ready after a few retries (§4 code 3/4, N #252). */
  parentUnavailable: 'ParentUnavailable',
  /**
   * An action named an upstream task created outside this service (`parentOrigin: 'external'`) that the upstream does
   * not know; details `{ field: 'parentTaskId', rule: 'exists', taskId }`. Fails in seconds, not after the retries
   * meant for a parent that has just finished.
   */
  parentNotFound: 'ParentTaskNotFound',
  /** The upstream task succeeded but its images could not be stored; details carry the task id. */
  captureFailed: 'CaptureFailed',
  /**
   * A new job would pass a budget; details `{ field: 'budget', rule: 'limit', budget, limit, spent, price }`.
   * Nothing was sent upstream.
   */
  budgetExceeded: 'BudgetExceeded',
  /**
   * No configured upstream offers what the job needs (a feature, a mode) or its pinned owner is not configured;
   * details `{ field: 'upstream', rule: 'feature' | 'mode' | 'owner' }`.
   */
  noUpstream: 'NoUpstream',
} as const;

export type JobFailureType = (typeof JOB_FAILURE)[keyof typeof JOB_FAILURE];

/** `ApplicationFailure.type` values of pipeline and batch workflows and of their branch outcomes. */
export const PIPELINE_FAILURE = {
  /** The pipeline or batch input is invalid (the only way these workflows fail). */
  invalid: 'PipelineInvalid',
  batchInvalid: 'BatchInvalid',
  /** A branch was skipped because the branch it depends on did not succeed. */
  parentFailed: 'ParentBranchFailed',
  /** A step input was rejected by the update validator (unknown step, not waiting, wrong kind). */
  inputRejected: 'StepInputRejected',
  /** Nobody supplied a step input before `inputTimeout`. */
  inputExpired: 'StepInputExpired',
  /** The describe/shorten result has no numbered prompt with the requested number. */
  promptNotFound: 'PromptNotFound',
  /** The prompt a `promptFrom` branch picked breaks a parameter rule of src/mj/params (the message names it). */
  promptParamRefused: 'PromptParamRefused',
  /** A child job with this id already exists (a restart must not pay twice). */
  duplicateJob: 'DuplicateJob',
  /** The child job was terminated or timed out, or failed without an application failure type. */
  jobTerminated: 'JobTerminated',
  jobTimedOut: 'JobTimedOut',
  jobFailed: 'JobFailed',
  /** The branch or item was cancelled (pipeline cancelled, or the job cancelled from outside). */
  cancelled: 'Cancelled',
} as const;

export type PipelineFailureType = (typeof PIPELINE_FAILURE)[keyof typeof PIPELINE_FAILURE];

/** `ApplicationFailure.type` values raised by activities themselves rather than mapped from an `MjError`. */
export const ACTIVITY_FAILURE = {
  /** The flavour has no list endpoint, so a submit with an unknown outcome cannot be looked up by `state`. */
  reconcileUnsupported: 'ReconcileUnsupported',
  /** An activity argument is unusable (mask not a PNG, asset missing): retrying cannot help. */
  invalidInput: 'InvalidActivityInput',
  /**
   * Routing: nothing can take the submit now; details `{ retryAfterMs, reason, upstreamId? }`. The job
   * waits on a durable timer and asks again (a pinned follow-up keeps waiting for its owner).
   */
  upstreamsBusy: 'UpstreamsBusy',
  /** Routing: no configured upstream can ever take it; details `{ field: 'upstream', rule }`. */
  noUpstream: 'NoUpstream',
  /** A budget refused the price before anything was sent; details carry the {@link BudgetVerdict}. */
  budgetExceeded: 'BudgetExceeded',
} as const;

/**
 * `MjError.code` values (src/mj), mirrored here because workflow code may not import src/mj values. Activities put
 * the code into the failure's `details`; workflows branch on it.
 */
export const MJ_ERROR_CODE = {
  auth: 'MJ_AUTH',
  taskNotFound: 'MJ_TASK_NOT_FOUND',
  validation: 'MJ_VALIDATION',
  queueFull: 'MJ_QUEUE_FULL',
  bannedPrompt: 'MJ_BANNED_PROMPT',
  noInstance: 'MJ_NO_INSTANCE',
  parentUnavailable: 'MJ_PARENT_UNAVAILABLE',
  rateLimited: 'MJ_RATE_LIMITED',
  gatewayUnknown: 'MJ_GATEWAY_UNKNOWN',
  upstreamAuth: 'MJ_UPSTREAM_AUTH',
  unsupported: 'MJ_UNSUPPORTED',
  system: 'MJ_SYSTEM',
  upstream5xx: 'MJ_UPSTREAM_5XX',
  connection: 'MJ_CONNECTION',
  timeout: 'MJ_TIMEOUT',
  badResponse: 'MJ_BAD_RESPONSE',
  invalidInput: 'MJ_INVALID_INPUT',
  buttonNotFound: 'MJ_BUTTON_NOT_FOUND',
} as const;

export type MjErrorCodeValue = (typeof MJ_ERROR_CODE)[keyof typeof MJ_ERROR_CODE];

/** The redacted `details[0]` of every activity failure: enough to decide, nothing secret. */
export interface ActivityFailureDetails {
  code?: string;
  status?: number;
  upstreamCode?: number;
  /** The request may have been accepted upstream (timeout or reset after sending, 5xx). */
  outcomeUnknown?: boolean;
  /** Retry-After, repeated here because `nextRetryDelay` does not survive the trip into workflow code. */
  retryAfterMs?: number;
  /**
   * Routed submits: the upstream the attempt went to, and `failover: true` when it proved the task was not
   * accepted there (the pool cooled or disabled it; the next attempt may go elsewhere).
   */
  upstreamId?: string;
  failover?: boolean;
  /** Routed submit with an unknown outcome: the reservation, to reconcile on the same upstream. */
  route?: TaskRoute;
}

/** `ApplicationFailure.type` of a rejected `provideModalInput` update (the validator's verdict; nothing is recorded). */
export const MODAL_INPUT_REJECTION = {
  /** The job is not parked in MODAL, or an answer is already being submitted. */
  notWaiting: 'NotWaitingForModalInput',
  /** The prompt or mask does not suit the button (empty prompt, mask not PNG, Vary Region without mask, …). */
  invalid: 'InvalidModalInput',
} as const;
