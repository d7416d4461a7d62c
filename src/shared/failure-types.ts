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
  /** The upstream task was cancelled outside this workflow. */
  cancelled: 'Cancelled',
} as const;

export type JobFailureType = (typeof JOB_FAILURE)[keyof typeof JOB_FAILURE];
