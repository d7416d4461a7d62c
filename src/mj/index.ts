/**
 * The midjourney-proxy contract as a library (docs/mj-contract.md; `§N` in comments here and elsewhere is its section N): request and response schemas,
 * tolerant task parsing, submit-outcome classification, button intents, fail-reason kinds, typed errors and an HTTP
 * client. Node-only (undici, zod); workflow code may `import type` from `./types`, and import the intent catalogue
 * (`./intents`, pure), and nothing else.
 *
 * @example
 * ```ts
 * import { MjClient, findButton, isMjError } from './mj';
 *
 * const mj = new MjClient({ baseUrl: 'http://127.0.0.1:8080', flavour: 'trueai', apiKey: process.env.MJ_KEY });
 * const submitted = await mj.submitImagine({ prompt: 'a red fox --v 7', state: 'mjt1|job-42|0' });
 * if (submitted.kind === 'accepted' || submitted.kind === 'queued') {
 *   const grid = await mj.fetchTask(submitted.taskId); // poll until grid.status is SUCCESS or FAILURE
 *   const u2 = findButton(grid, 'U2');
 *   const next = await mj.submitAction({ taskId: grid.id, customId: u2.customId });
 *   if (next.kind === 'modal') {
 *     await mj.submitModal({ taskId: next.taskId, prompt: 'a red fox, snow --v 7' });
 *   }
 * }
 * // Every failure is an MjError: branch on `code`, hand `retryable`/`retryAfterMs` to Temporal, and reconcile by
 * // `state` when `outcomeUnknown` is true.
 * try {
 *   await mj.fetchTask('1748339029401828');
 * } catch (e) {
 *   if (isMjError(e) && e.code === 'MJ_TASK_NOT_FOUND') {
 *     // right after a submit this is a race with the proxy's store (§14.6): retry a bounded number of times
 *   }
 * }
 * ```
 */
export type {
  ButtonIntent,
  FailReasonKind,
  Index4,
  IntentSpec,
  KnownTaskStatus,
  MjAuthScheme,
  MjButton,
  MjFeature,
  MjFlavour,
  MjMediaUrl,
  MjTask,
  Motion,
  PanDirection,
  RejectReason,
  SpeedMode,
  SubmitOutcome,
  TaskStatus,
  UpscaleHdVariant,
} from './types';
export {
  addDefaults,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REFRESH_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  MjClient,
  type MjClientOptions,
  type MjClientOptionsWithDefaults,
  type MjRequestOptions,
  parseRetryAfter,
  type SubmitSuccess,
} from './client';
export {
  errorFromRejection,
  isMjError,
  MjAuthError,
  MjBannedPromptError,
  MjButtonNotFoundError,
  MjConnectionError,
  MjError,
  type MjErrorCode,
  type MjErrorDetails,
  MjGatewayError,
  MjInputError,
  MjPromptParamError,
  MjNoInstanceError,
  MjParentUnavailableError,
  MjQueueFullError,
  MjRateLimitedError,
  MjResponseError,
  MjServerError,
  MjSystemError,
  MjTaskNotFoundError,
  MjTimeoutError,
  MjUnsupportedError,
  MjUpstreamAuthError,
  MjValidationError,
  type RejectionContext,
} from './errors';
export {
  accountFilterSchema,
  actionRequestSchema,
  type ActionRequest,
  blendRequestSchema,
  type BlendRequest,
  buttonSchema,
  changeRequestSchema,
  type ChangeRequest,
  describeRequestSchema,
  type DescribeRequest,
  editsRequestSchema,
  type EditsRequest,
  gatewayErrorSchema,
  imagineRequestSchema,
  type ImagineRequest,
  listByConditionRequestSchema,
  type ListByConditionRequest,
  modalRequestSchema,
  openAiErrorSchema,
  type ModalRequest,
  retextureRequestSchema,
  type RetextureRequest,
  shortenRequestSchema,
  type ShortenRequest,
  simpleChangeRequestSchema,
  type SimpleChangeRequest,
  submitResultSchema,
  taskResponseSchema,
  trueaiEnvelopeSchema,
  uploadRequestSchema,
  type UploadRequest,
  validateRequest,
  videoRequestSchema,
  type VideoRequest,
} from './schemas';
export { validateImageDataUrl, validatePngDataUrl } from './data-url';
export { collapseDuplicateTasks, parseProgress, parseTask, parseTaskList, tryParseTask } from './task';
export { classifyMiddlewareRefusal, classifyRejection, parseSubmitResponse } from './submit-outcome';
export {
  availableIntents,
  classifyButton,
  findButton,
  findPress,
  formatIntent,
  INTENT_FORMS,
  intentAlwaysModal,
  intentEquals,
  parseIntent,
} from './buttons';
export { classifyFailReason, isRetryableFailReason } from './fail-reasons';
export { AUTH_REFUSALS, classifyAuthRefusal, type AuthRefusal } from './auth-refusal';
