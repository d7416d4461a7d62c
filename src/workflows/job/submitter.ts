/**
 * Submitting a job's task exactly once: the submit loop with its answer to each failure kind, reconciling a submit
 * whose outcome is unknown, routing (failover, waiting for a busy pool or a budget) and adopting the accepted task.
 */
import { isCancellation } from '@temporalio/workflow';
import type { FoundTask, SubmitTaskInput, SubmitTaskResult } from '../../shared/job-activities';
import type { SettlePart } from '../../shared/upstreams/types';
import {
  BUDGET_PARK_RECHECK,
  MAX_PARENT_UNAVAILABLE_RETRIES,
  MAX_UPSTREAM_AUTH_RETRIES,
  MIN_UPSTREAM_WAIT,
  RECONCILE_DELAY,
} from '../../shared/defaults';
import { durationToMs } from '../../shared/duration';
import { ACTIVITY_FAILURE, JOB_FAILURE, MJ_ERROR_CODE } from '../../shared/failure-types';
import { MJ_MODE, MJ_TASK_ID } from '../../shared/search-attributes';
import { jobSlotPriority } from '../../shared/slot-priority';
import type { TaskRoute } from '../../shared/types';
import { Backoff } from '../common/backoff';
import {
  classifyRoutedFailure,
  classifySubmitFailure,
  jobFailure,
  readActivityFailure,
  upstreamAuthFailure,
  type RoutedFailure,
} from './failures';
import type { JobHost } from './host';
import { parkOnModal, pol, stateKey, SUBMIT_BACKOFF, type EnterPhase, type JobStateView } from './job-state';
import { JOB_PATCH } from './patches';
import { resolvePolicy } from './poll';
import type { Poller } from './poller';
import type { ReadModel } from './read-model';

const MIN_UPSTREAM_WAIT_MS = durationToMs(MIN_UPSTREAM_WAIT);
const BUDGET_PARK_RECHECK_MS = durationToMs(BUDGET_PARK_RECHECK);

export class Submitter {
  constructor(
    private readonly s: JobStateView,
    private readonly host: JobHost,
    private readonly read: ReadModel,
    private readonly poller: Poller,
    private readonly enter: EnterPhase
  ) {}

  /** Ends with a task id (adopted or new), or throws a typed failure. Each failure kind gets its own answer. */
  async submit(): Promise<void> {
    const s = this.s;
    const c = s.carry;
    this.enter('submitting');
    // Under the job-cost patch a submit that gets through at once is published once, as accepted (one memo event less);
    // readers hear of 'submitting' only when the submit has to wait (backOff below).
    if (!s.cost) await this.read.publish();
    const backoff = new Backoff(SUBMIT_BACKOFF, this.host.now() + pol(s).queuedMs, this.host);
    const backOff = async (hintMs: number | undefined, why: string): Promise<void> => {
      const waitMs = backoff.next(hintMs);
      if (waitMs === undefined) {
        throw jobFailure(
          JOB_FAILURE.deadlineExceeded,
          `submit did not get through before the queued deadline: ${why}`,
          {
            phase: 'submitting',
            submits: c.submits,
          }
        );
      }
      if (s.cost) await this.read.publish();
      await this.host.sleep(waitMs);
    };
    let parentRetries = 0;
    let upstreamAuthRetries = 0;
    let unknownStreak = 0;
    for (;;) {
      let outcome: SubmitTaskResult;
      try {
        c.submits++;
        outcome = await this.host.activities.submitTask(this.submitInput());
      } catch (err) {
        if (isCancellation(err)) throw err;
        const routed = classifyRoutedFailure(err);
        if (routed) {
          await this.onRoutedFailure(routed, backoff);
          continue;
        }
        const f = classifySubmitFailure(err);
        if (f.kind === 'terminal') throw jobFailure(f.type, f.message, { code: f.code, phase: 'submitting' });
        if (f.kind === 'back-pressure') {
          // The whole account slows down, not only this job: its other submits would meet the same 23/429.
          if (f.code === MJ_ERROR_CODE.queueFull || f.code === MJ_ERROR_CODE.rateLimited) {
            await this.host.reportBackPressure(f.retryAfterMs);
          }
          await backOff(f.retryAfterMs, f.message);
          continue;
        }
        if (f.kind === 'upstream-auth') {
          // Without JOB_PATCH.upstreamAuthBounded this was plain back-pressure, bounded only by the queued deadline.
          if (this.host.patched(JOB_PATCH.upstreamAuthBounded) && ++upstreamAuthRetries > MAX_UPSTREAM_AUTH_RETRIES) {
            throw upstreamAuthFailure('submitting', upstreamAuthRetries, f.message);
          }
          await backOff(undefined, f.message);
          continue;
        }
        if (f.kind === 'parent-unavailable') {
          this.failFastOnExternalParent(f.code, f.message);
          if (++parentRetries > MAX_PARENT_UNAVAILABLE_RETRIES) {
            throw jobFailure(JOB_FAILURE.parentUnavailable, f.message, { code: f.code, retries: parentRetries - 1 });
          }
          await backOff(undefined, f.message);
          continue;
        }
        // Routed: the attempt's reservation, so the task is looked for on that same upstream first.
        const found = await this.reconcile(backoff.deadlineAt, f.message, readActivityFailure(err).details.route);
        if (found !== 'resubmit') {
          if (found.route && found.unsettled) await this.settleRouted(found.route, found.id, found.unsettled);
          this.adopt(found);
          await this.read.publish();
          return;
        }
        // Proven absent: resubmit at once the first time; a proxy that keeps losing answers gets backed off.
        if (++unknownStreak > 1) await backOff(undefined, f.message);
        continue;
      }
      if (outcome.route && outcome.unsettled) await this.settleRouted(outcome.route, outcome.taskId, outcome.unsettled);
      this.accepted(outcome.taskId, outcome.kind === 'modal', outcome.route);
      if (outcome.refreshMs !== undefined) {
        // A gateway answers a stub until its poller first reads the upstream: the submit counts as a read.
        s.refreshMs = outcome.refreshMs;
        s.lastReadAt = this.host.now();
      }
      await this.read.publish();
      return;
    }
  }

  /**
   * The submit's input; routed fields only when the job has them, so a job with one upstream sends what it did. A job
   * that names neither `modes` nor `mode` sends `modes: []`: routing then takes the pool's `routing.modePreference`
   * (a single upstream ignores it and submits in FAST).
   */
  private submitInput(): SubmitTaskInput {
    const s = this.s;
    const { modes, mode } = s.input;
    return {
      request: s.request,
      mode: s.mode,
      stateKey: stateKey(s, this.host),
      ...(modes ? { modes } : mode === undefined ? { modes: [] } : {}),
      ...(s.input.costTags ? { costTags: s.input.costTags } : {}),
      ...(s.exclude.length > 0 ? { exclude: [...s.exclude] } : {}),
      // Only a batch's job says so: an interactive job's submit input stays as it was.
      ...(jobSlotPriority(s.input) === 'batch' ? { priority: 'batch' as const } : {}),
    };
  }

  /**
   * Routed: the bookkeeping of an accepted task the submit could not do (pool or ledger unreachable), done durably by
   * an idempotent activity Temporal retries. It runs only then, so a submit that settled everything adds no events;
   * before `accepted()`, so the wait does not eat into the queued deadline. Should it still fail after its
   * schedule-to-close, the task runs on (it was accepted); the failed activity stays in history for the operator.
   */
  private async settleRouted(route: TaskRoute, taskId: string, parts: SettlePart[]): Promise<void> {
    const costTags = this.s.input.costTags;
    try {
      await this.host.activities.settleRoutedSubmit({
        route,
        taskId,
        stateKey: stateKey(this.s, this.host),
        parts,
        ...(costTags ? { costTags } : {}),
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
    }
  }

  /** A pinned follow-up (an action on a routed parent): only the owner may take it. */
  private get pin(): string | undefined {
    const request = this.s.request;
    return request.kind === 'action' ? request.upstreamId : undefined;
  }

  /**
   * A routed submit that did not get through. Failover: at once, elsewhere (the refusing upstream is skipped). Busy:
   * a durable wait for the pool's time, within the queued deadline, or, for a pinned follow-up whose owner is down,
   * within the job's total deadline (it is never moved). Budget: fail, or park and ask again.
   */
  private async onRoutedFailure(f: RoutedFailure, backoff: Backoff): Promise<void> {
    const s = this.s;
    const pinned = this.pin !== undefined;
    const totalAt = s.carry.timings.startedAt + pol(s).totalMs;
    switch (f.kind) {
      case 'failover':
        s.failovers++;
        if (!pinned) {
          if (!s.exclude.includes(f.upstreamId)) s.exclude.push(f.upstreamId);
          return;
        }
        // The owner refused: the pool cools it down, so the next reservation answers with the time to wait.
        return this.waitForUpstream(f.upstreamId, f.code ?? 'refused', f.retryAfterMs ?? 0, totalAt);
      case 'busy':
        s.exclude = [];
        return this.waitForUpstream(f.upstreamId, f.reason, f.retryAfterMs, pinned ? totalAt : backoff.deadlineAt);
      case 'no-upstream':
        if (s.exclude.length > 0) {
          // Every upstream that could take it refused this submit: wait for one of them, do not give up.
          s.exclude = [];
          return this.waitForUpstream(undefined, 'all refused', backoff.next() ?? 0, backoff.deadlineAt);
        }
        throw jobFailure(JOB_FAILURE.noUpstream, f.message, { field: 'upstream', rule: f.rule, phase: 'submitting' });
      case 'budget':
        if (f.verdict.onExceed === 'park')
          return this.waitForUpstream(undefined, 'budget', BUDGET_PARK_RECHECK_MS, totalAt);
        throw jobFailure(JOB_FAILURE.budgetExceeded, f.message, {
          ...f.verdict,
          field: 'budget',
          rule: 'limit',
          phase: 'submitting',
        });
    }
  }

  /** Sleeps on a durable timer until the pool (or a budget) may say yes, publishing what the job waits for. */
  private async waitForUpstream(
    upstreamId: string | undefined,
    reason: string,
    retryAfterMs: number,
    deadlineAt: number
  ): Promise<void> {
    const s = this.s;
    const now = this.host.now();
    if (now >= deadlineAt) {
      const on = upstreamId ? `upstream ${upstreamId}` : 'an upstream';
      throw jobFailure(JOB_FAILURE.deadlineExceeded, `${on} did not take the submit before the deadline: ${reason}`, {
        field: 'upstream',
        rule: 'available',
        phase: 'submitting',
        reason,
        submits: s.carry.submits,
        ...(upstreamId ? { upstreamId } : {}),
      });
    }
    const until = Math.min(deadlineAt, now + Math.max(MIN_UPSTREAM_WAIT_MS, retryAfterMs));
    const since = s.waitingFor?.kind === 'upstream' ? s.waitingFor.since : now;
    s.waitingFor = { kind: 'upstream', reason, since, until, needs: [], ...(upstreamId ? { upstreamId } : {}) };
    await this.read.publish();
    if (!this.host.patched(JOB_PATCH.wakeOnUpstream)) return this.host.sleep(until - now);
    // Same timer as before; the pool's signal cancels it (the job then asks the pool again).
    await this.host.condition(() => s.upstreamWake, until - now);
    s.upstreamWake = false;
  }

  /** An external parent the upstream does not know is a typo or a stale id, not a race: fail at once. */
  private failFastOnExternalParent(code: string | undefined, message: string): void {
    const request = this.s.request;
    if (request.kind !== 'action' || request.parentOrigin !== 'external') return;
    if (code !== MJ_ERROR_CODE.taskNotFound) return;
    const taskId = request.parentTaskId;
    throw jobFailure(JOB_FAILURE.parentNotFound, `parent task ${taskId} is not known upstream: ${message}`, {
      field: 'parentTaskId',
      rule: 'exists',
      taskId,
    });
  }

  private accepted(taskId: string, modal: boolean, route?: TaskRoute): void {
    const s = this.s;
    const c = s.carry;
    c.taskId = taskId;
    if (s.waitingFor?.kind === 'upstream') s.waitingFor = undefined;
    if (route) this.own(taskId, route);
    // Workflow time, not the proxy's submitTime: deadlines must not depend on another machine's clock.
    c.timings.submittedAt ??= this.host.now();
    c.queuedSince = this.host.now();
    this.enter('queued');
    c.lastStatus = undefined;
    c.lastProgress = undefined;
    this.poller.taskAccepted();
    if (modal) parkOnModal(s, this.host);
    this.read.upsertKeywords([[MJ_TASK_ID, taskId]]);
    const early = s.earlyHint;
    s.earlyHint = undefined;
    if (early?.taskId === taskId) this.poller.onTaskChanged(early);
  }

  /**
   * After a submit whose outcome is unknown: the task found by `state`, or 'resubmit' once it is proven absent (or
   * the caller allows duplicates where the proxy cannot be searched).
   */
  private async reconcile(deadlineAt: number, why: string, route?: TaskRoute): Promise<FoundTask | 'resubmit'> {
    const s = this.s;
    const key = stateKey(s, this.host);
    const reconcileMs = durationToMs(RECONCILE_DELAY);
    const backoff = new Backoff({ initialMs: reconcileMs, maxMs: SUBMIT_BACKOFF.maxMs }, deadlineAt, this.host);
    // The first lookup always runs: an asynchronously saved task (N) needs a moment to be visible.
    let waitMs: number | undefined = reconcileMs;
    for (;;) {
      await this.host.sleep(waitMs);
      try {
        const found = await this.host.activities.findTaskByState({
          stateKey: key,
          taskIdHint: s.carry.taskId,
          ...(route ? { upstreamId: route.upstreamId, route } : {}),
          // Also without a route: a task found by searching every upstream is charged to the job's tags.
          ...(s.input.costTags ? { costTags: s.input.costTags } : {}),
        });
        return found ?? 'resubmit';
      } catch (err) {
        if (isCancellation(err)) throw err;
        const { failure, message } = readActivityFailure(err);
        if (failure?.type === ACTIVITY_FAILURE.reconcileUnsupported) {
          if (s.input.submitPolicy === 'at-least-once') return 'resubmit';
          throw jobFailure(
            JOB_FAILURE.submitOutcomeUnknown,
            `submit outcome unknown (${why}) and the proxy cannot be searched by state; not resubmitting (at-most-once)`,
            { stateKey: key }
          );
        }
        waitMs = backoff.next();
        if (waitMs === undefined) {
          throw jobFailure(
            JOB_FAILURE.submitOutcomeUnknown,
            `submit outcome unknown (${why}); lookup kept failing: ${message}`,
            {
              stateKey: key,
            }
          );
        }
      }
    }
  }

  private adopt(task: FoundTask): void {
    const { route, ...snapshot } = task;
    this.accepted(task.id, task.status === 'MODAL', route);
    this.poller.observe(snapshot);
  }

  /**
   * Records the owner routing chose and runs in its mode: the poll policy and deadlines become that mode's, and the
   * mode search attribute says it (it goes out with the task id, one upsert).
   */
  private own(taskId: string, route: TaskRoute): void {
    const s = this.s;
    s.carry.route = route;
    s.carry.owner = { upstreamId: route.upstreamId, taskId, mode: route.mode };
    s.exclude = [];
    if (route.mode === s.mode) return;
    s.mode = route.mode;
    s.policy = resolvePolicy(route.mode, s.input.policy);
    s.deferredKeywords.push([MJ_MODE, route.mode]);
  }
}
