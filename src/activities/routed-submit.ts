/**
 * `submitTask` with several upstreams: one attempt that reserves an upstream in the pool,
 * holds the price against the budgets in the ledger (so concurrent submits cannot together pass one), submits to
 * that upstream's client with its own hook URL, and tells the pool what happened. The hold becomes the charge on
 * acceptance, is released when the submit is known not accepted, and is kept for an unknown outcome (the reconcile
 * charges it, or releases it once the task is proven absent; else it expires). The workflow sees the owner on
 * success, and on failure whether it may go elsewhere (`failover`), must wait (`UpstreamsBusy`), or must reconcile on
 * the same upstream (`route` with an unknown outcome).
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { AssetStore } from '../assets/asset-store';
import type { MjRequestOptions } from '../mj';
import { isMjError, type MjAuthError } from '../mj/errors';
import { ACTIVITY_FAILURE, MJ_ERROR_CODE, type ActivityFailureDetails } from '../shared/failure-types';
import type { TaskRoute } from '../shared/types';
import {
  SETTLE_PARTS,
  type LedgerRecorder,
  type SettlePart,
  type SubmitReport,
  type UpstreamRouter,
  type UpstreamSet,
} from '../shared/upstreams/types';
import { toApplicationFailure, type ActivityLogger, type Redactor } from './failures';
import { featuresOf, pricedActionOf } from './route-request';
import { submitOnce, type SubmitTaskInput, type SubmitTaskResult } from './submit-task';
import { upstreamClient } from './upstream-client';
import type { SettleInput } from '../shared/job-activities';

export type { SettleInput } from '../shared/job-activities';

export interface RoutedDeps {
  upstreams: UpstreamSet;
  router: UpstreamRouter;
  ledger?: LedgerRecorder;
  store: AssetStore;
  log: ActivityLogger;
  redact: Redactor;
}

/** Who asks: the job workflow and the reservation's id (idempotent per activity of that run). */
export interface RoutedCaller {
  workflowId: string;
  requestId: string;
}

const FAILOVER: Partial<Record<string, Extract<SubmitReport, { kind: 'failover' }>['reason']>> = {
  [MJ_ERROR_CODE.noInstance]: 'no-instance',
  [MJ_ERROR_CODE.queueFull]: 'queue-full',
  [MJ_ERROR_CODE.rateLimited]: 'rate-limited',
  // Only reach here with outcomeUnknown false: nothing was sent, or the parent fetch before it failed.
  [MJ_ERROR_CODE.connection]: 'connection',
  [MJ_ERROR_CODE.timeout]: 'connection',
  [MJ_ERROR_CODE.upstream5xx]: 'server-error',
  [MJ_ERROR_CODE.system]: 'server-error',
  [MJ_ERROR_CODE.gatewayUnknown]: 'server-error',
  // A gateway whose own upstream refused its channel key: that gateway is no use for now, the others may be.
  [MJ_ERROR_CODE.upstreamAuth]: 'server-error',
};

/** What the pool hears about a failed attempt; read from the error's stable code, never from its text. */
export function reportFor(err: unknown): SubmitReport {
  if (!isMjError(err)) return { kind: 'job-error' };
  const message = err.message.slice(0, 200);
  if (err.outcomeUnknown || err.code === MJ_ERROR_CODE.badResponse) return { kind: 'unknown' };
  if (err.code === MJ_ERROR_CODE.auth) {
    // src/mj's typed reading of the refusal: a banned or suspended account is kept apart from a wrong key.
    const banned = (err as MjAuthError).refusal === 'banned-account';
    return { kind: 'disable', reason: banned ? 'banned-account' : 'auth', message };
  }
  const reason = FAILOVER[err.code];
  if (reason) return { kind: 'failover', reason, retryAfterMs: err.retryAfterMs, message };
  return { kind: 'job-error' };
}

function busy(decision: { untilMs: number; reason: string; upstreamId?: string }): ApplicationFailure {
  const retryAfterMs = Math.max(0, decision.untilMs - Date.now());
  const on = decision.upstreamId ? `upstream ${decision.upstreamId}` : 'every upstream';
  return ApplicationFailure.create({
    type: ACTIVITY_FAILURE.upstreamsBusy,
    message: `${on} busy (${decision.reason}); ask again in ${retryAfterMs} ms`,
    nonRetryable: true,
    // Expected while a pool is saturated or its upstreams cool down: no failure metrics, no warning per attempt.
    category: ApplicationFailureCategory.BENIGN,
    details: [
      { code: ACTIVITY_FAILURE.upstreamsBusy, retryAfterMs, reason: decision.reason, upstreamId: decision.upstreamId },
    ],
  });
}

function noUpstream(rule: string, reason: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ACTIVITY_FAILURE.noUpstream,
    message: `no upstream can take this job: ${reason}`,
    nonRetryable: true,
    details: [{ code: ACTIVITY_FAILURE.noUpstream, field: 'upstream', rule }],
  });
}

/** The mapped failure of a routed attempt, with where it went and what the pool was told. */
function routedFailure(err: unknown, report: SubmitReport, route: TaskRoute, redact: Redactor): Error {
  const mapped = toApplicationFailure(err, redact);
  if (!(mapped instanceof ApplicationFailure)) return mapped;
  const first = mapped.details?.[0];
  const details: ActivityFailureDetails = {
    ...(first && typeof first === 'object' ? (first as ActivityFailureDetails) : {}),
    upstreamId: route.upstreamId,
    ...(report.kind === 'failover' || report.kind === 'disable' ? { failover: true } : {}),
    ...(report.kind === 'unknown' ? { outcomeUnknown: true, route } : {}),
  };
  return ApplicationFailure.create({
    type: mapped.type ?? undefined,
    message: `${route.upstreamId}: ${mapped.message}`,
    nonRetryable: mapped.nonRetryable ?? undefined,
    details: [details],
  });
}

/** One routed submit attempt (see the module comment). Never retried here: the workflow owns the loop. */
export async function submitRouted(
  deps: RoutedDeps,
  input: SubmitTaskInput,
  caller: RoutedCaller,
  o: MjRequestOptions
): Promise<SubmitTaskResult> {
  const { router, upstreams, log } = deps;
  const action = pricedActionOf(input.request);
  const pin = input.request.kind === 'action' ? input.request.upstreamId : undefined;
  const decision = await router.reserve({
    requestId: caller.requestId,
    workflowId: caller.workflowId,
    action,
    features: featuresOf(input.request),
    modes: input.modes ?? [input.mode],
    ...(pin ? { pin } : {}),
    ...(input.exclude?.length ? { exclude: input.exclude } : {}),
    ...(input.priority ? { jobPriority: input.priority } : {}),
  });
  if (decision.kind === 'wait') throw busy(decision);
  if (decision.kind === 'none') throw noUpstream(decision.rule, decision.reason);
  const route: TaskRoute = {
    requestId: caller.requestId,
    upstreamId: decision.upstreamId,
    mode: decision.mode,
    action,
    price: decision.price,
    currency: decision.currency,
  };
  const mj = upstreamClient(upstreams, route.upstreamId);
  const held = await holdBudget(deps, input, route, caller.workflowId);
  let result: SubmitTaskResult;
  try {
    const sendDeps = { mj, store: deps.store, notifyHookUrl: upstreams.notifyHookUrl(route.upstreamId), log };
    result = await submitOnce(sendDeps, { ...input, mode: route.mode }, { ...o, mode: route.mode });
  } catch (err) {
    const report = o.signal?.aborted ? ({ kind: 'unknown' } as const) : reportFor(err);
    // Known not accepted: its price no longer counts. Unknown: kept, as the task may exist and be charged.
    if (held && report.kind !== 'unknown') await releaseBudgetHold(deps, input.stateKey, route.upstreamId);
    try {
      await router.report(route.requestId, route.upstreamId, report);
    } catch (reportErr) {
      // The job must still hear what happened (an unknown outcome read as a plain failure would be resubmitted
      // elsewhere unreconciled); the pool's reclaim frees the reservation when the job closes.
      log.warn('pool not told of a failed submit', { upstreamId: route.upstreamId, error: String(reportErr) });
    }
    throw routedFailure(err, report, route, deps.redact);
  }
  const settle = { route, taskId: result.taskId, stateKey: input.stateKey, costTags: input.costTags };
  const unsettled = await settleAccepted(deps, settle, caller.workflowId);
  return { ...result, route, ...(unsettled.length > 0 ? { unsettled } : {}) };
}

/**
 * Before anything is sent: the price is held against the budgets (or the reservation is given back and the job told
 * why). @returns whether a hold was taken (false when no budget applies or there is no ledger)
 */
async function holdBudget(deps: RoutedDeps, input: SubmitTaskInput, route: TaskRoute, jobId: string): Promise<boolean> {
  if (!deps.ledger) return false;
  const verdict = await deps.ledger.hold({
    ...input.costTags,
    key: input.stateKey,
    jobId,
    upstreamId: route.upstreamId,
    action: route.action,
    mode: route.mode,
    price: route.price,
    currency: route.currency,
    at: Date.now(),
  });
  if (verdict.ok) return verdict.budgeted === true;
  await deps.router.release(route.requestId, route.upstreamId);
  const held = verdict.held ? `, held by others ${verdict.held}` : '';
  throw ApplicationFailure.create({
    type: ACTIVITY_FAILURE.budgetExceeded,
    message: `budget ${verdict.budget} would pass its limit ${verdict.limit} ${verdict.currency} (spent ${verdict.spent}${held}, price ${verdict.price})`,
    nonRetryable: true,
    details: [{ code: ACTIVITY_FAILURE.budgetExceeded, field: 'budget', rule: 'limit', ...verdict }],
  });
}

/**
 * Gives a hold back; never fails the attempt (the job must still hear what the submit did): a hold the ledger did
 * not take back expires.
 */
export async function releaseBudgetHold(
  deps: Pick<RoutedDeps, 'ledger' | 'log'>,
  key: string,
  upstreamId: string
): Promise<void> {
  try {
    await deps.ledger?.releaseHold(key);
  } catch (err) {
    deps.log.warn('budget hold not released; it expires', { upstreamId, error: String(err) });
  }
}

const partsOf = (input: SettleInput): readonly SettlePart[] => input.parts ?? SETTLE_PARTS;

/** One part: the pool counts the task (idempotent by request id), or the ledger charges it (idempotent by key). */
async function settlePart(
  deps: Pick<RoutedDeps, 'router' | 'ledger'>,
  part: SettlePart,
  input: SettleInput,
  jobId: string
): Promise<void> {
  const { route, taskId } = input;
  if (part === 'pool') return deps.router.report(route.requestId, route.upstreamId, { kind: 'accepted', taskId });
  await deps.ledger?.charge({
    ...input.costTags,
    key: input.stateKey,
    jobId,
    upstreamId: route.upstreamId,
    upstreamTaskId: taskId,
    action: route.action,
    mode: route.mode,
    price: route.price,
    currency: route.currency,
    at: Date.now(),
  });
}

/**
 * After acceptance: the pool counts the task and the ledger charges it. Neither may fail the activity now: the
 * workflow would take the failure for a submit that did not get through and pay twice. A part that failed is
 * returned, so the job settles it durably (`settleRoutedSubmit`, retried by Temporal); none failed: no extra events.
 */
export async function settleAccepted(
  deps: Pick<RoutedDeps, 'router' | 'ledger' | 'log'>,
  input: SettleInput,
  jobId: string
): Promise<SettlePart[]> {
  const missing: SettlePart[] = [];
  for (const part of partsOf(input)) {
    if (part === 'ledger' && !deps.ledger) continue;
    try {
      await settlePart(deps, part, input, jobId);
    } catch (err) {
      missing.push(part);
      const { upstreamId } = input.route;
      deps.log.warn('accepted task not settled yet', { part, upstreamId, taskId: input.taskId, error: String(err) });
    }
  }
  return missing;
}

/**
 * The `settleRoutedSubmit` activity: the parts the submit could not do, each idempotent (the pool by request id, the
 * ledger by state key), so Temporal's retries and a part already done by an earlier attempt are harmless. Throws
 * while any part fails.
 */
export async function settleRouted(
  deps: Pick<RoutedDeps, 'router' | 'ledger'>,
  input: SettleInput,
  jobId: string
): Promise<void> {
  for (const part of partsOf(input)) await settlePart(deps, part, input, jobId);
}
