/**
 * Structured rejections: every update-validator rejection and every input-related job failure is an
 * `ApplicationFailure` whose `details[0]` is a {@link RejectionDetails}. Callers (the client, the gateway) read the
 * field and rule from there and never parse the message text, which stays free to change. Workflow-safe.
 */
import { ApplicationFailure } from '@temporalio/common';

export interface RejectionDetails {
  /** The input field at fault, as the caller named it: `prompt`, `mask`, `modal`, `step`, `choice`, `jobId`, … */
  field: string;
  /** A stable rule name: `required`, `max-length`, `png`, `zoom-range`, `not-waiting`, `exists`, … */
  rule: string;
  /** The workflow phase when the rule is about timing (`not-waiting` while `running`). */
  phase?: string;
  /** The upstream task concerned, when there is one. */
  taskId?: string;
  /** A prompt parameter a rule of src/mj/params refuses, as the grammar prints it (`--oref`). */
  param?: string;
}

/** A non-retryable failure of `type` carrying `details` as its first detail. */
export function rejection(type: string, message: string, details: RejectionDetails): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

/** The rejection details of a failure, or undefined when it carries none (older workflows, other failures). */
export function readRejection(
  failure: { details?: unknown[] | null } | null | undefined
): RejectionDetails | undefined {
  const first = failure?.details?.[0];
  if (!first || typeof first !== 'object') return undefined;
  const d = first as Partial<RejectionDetails>;
  return typeof d.field === 'string' && typeof d.rule === 'string' ? (d as RejectionDetails) : undefined;
}
