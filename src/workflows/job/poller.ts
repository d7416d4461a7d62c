/**
 * Polling a job's task: durable waits (woken early by webhook hints), fetches, and what a confirmed snapshot changes.
 * The wait grows on a ramp, comes sooner at the finish forecast (polling only), and never passes a deadline.
 */
import { isCancellation } from '@temporalio/workflow';
import { CONTINUE_AS_NEW_EVENTS } from '../../shared/defaults';
import { ACTIVITY_FAILURE, JOB_FAILURE, MJ_ERROR_CODE } from '../../shared/failure-types';
import { reportedTask } from '../../shared/job-memo';
import { MJ_ACTION, MJ_STATUS } from '../../shared/search-attributes';
import type { TaskChangedHint, TaskSnapshot } from '../../shared/types';
import { checkDeadline, jobDeadline } from './deadlines';
import { jobFailure, readActivityFailure, upstreamTaskFailure } from './failures';
import { FinishForecast } from './finish-forecast';
import type { JobHost } from './host';
import {
  finished,
  ownerRef,
  parkOnModal,
  pol,
  routeRef,
  toCarry,
  type EnterPhase,
  type JobStateView,
} from './job-state';
import { JOB_PATCH } from './patches';
import { earliestFetchAt, growInterval, hintNeedsFetch, jittered, jitteredBelow, progressRank } from './poll';
import type { ReadModel } from './read-model';

/** 'not-yet-known': a gateway's stub row (written before its poller read the upstream), which says nothing yet. */
export type FetchResult = TaskSnapshot | 'not-found' | 'unavailable' | 'not-yet-known';

export class Poller {
  /** When the running task should finish, for a job that polls (rebuilt by the fetches of each run). */
  private readonly forecast = new FinishForecast();
  /** The wait in progress ends sooner than the ramp's interval: at the forecast finish, or on the overdue ramp. */
  private earlyPoll = false;
  /** The short ramp of a task found unfinished at its forecast; cleared when the task moves. */
  private overdueMs: number | undefined;

  constructor(
    private readonly s: JobStateView,
    private readonly host: JobHost,
    private readonly read: ReadModel,
    private readonly enter: EnterPhase,
    /** Answers a MODAL child (the modal desk); the poll loop hands over while one is pending. */
    private readonly answerModal: () => Promise<void>
  ) {}

  /** A new task was accepted: what was forecast for the old one no longer holds. */
  taskAccepted(): void {
    this.forecast.reset();
    this.overdueMs = undefined;
  }

  onTaskChanged(hint: TaskChangedHint): void {
    const s = this.s;
    const c = s.carry;
    // The first webhook often beats the submit's own answer (it is sent as the task is created): keep it until the
    // task id is known, or the one hint that tells the job webhooks work would be lost.
    if (hint && s.cost && c.taskId === undefined && !finished(s)) s.earlyHint = hint;
    if (!hint || hint.taskId !== c.taskId || finished(s)) return;
    // A delivery from another upstream than the owner names another task that happens to share the id.
    if (hint.upstreamId !== undefined && c.owner && hint.upstreamId !== c.owner.upstreamId) return;
    // A hint that reports nothing newer than the last confirmed fetch (a duplicate, or a late one) wakes nobody.
    if (
      hint.status !== undefined &&
      progressRank(hint.status, hint.progress) <= progressRank(c.lastStatus, c.lastProgress)
    ) {
      return;
    }
    // Webhooks work for this task: from now on they carry the news and polling is only the safety net.
    c.hooked = true;
    // Progress hints only inform the progress query; terminal and MODAL hints (and bare ones) are confirmed by a
    // fetch at once, which is all a job needs to act on time.
    if (!hintNeedsFetch(hint.status)) {
      const pct = /(\d+(?:\.\d+)?)\s*%/.exec(hint.progress ?? '');
      if (pct) s.progressPct = Math.min(100, Number(pct[1]));
      return;
    }
    s.hintPending = true;
  }

  /** Records a confirmed snapshot; true when status or progress moved since an earlier fetch. */
  observe(t: TaskSnapshot): boolean {
    const s = this.s;
    const c = s.carry;
    const changed = t.status !== c.lastStatus || t.progress !== c.lastProgress;
    const moved = changed && c.lastStatus !== undefined;
    s.progressPct = t.progressPct;
    s.previewUrl = t.imageUrl;
    s.reported = reportedTask(t);
    s.action = t.action || s.action;
    s.buttons = t.buttons;
    s.failReason = t.failReason ?? undefined;
    s.reportedMode = t.mode;
    if (changed) {
      c.lastStatus = t.status;
      c.lastProgress = t.progress;
      c.timings.lastChangeAt = this.host.now();
      if (t.status === 'IN_PROGRESS' && c.timings.firstProgressAt === undefined) {
        c.timings.firstProgressAt = this.host.now();
      }
    }
    if (c.phase === 'queued' || c.phase === 'running') {
      this.enter(t.status === 'IN_PROGRESS' ? 'running' : 'queued');
    }
    this.read.upsertKeywords([
      [MJ_STATUS, t.status],
      [MJ_ACTION, t.action || undefined],
    ]);
    return moved;
  }

  async fetchOnce(): Promise<FetchResult> {
    const s = this.s;
    s.carry.fetches++;
    try {
      const r = await this.host.activities.fetchTask({ taskId: s.carry.taskId as string, ...routeRef(s, this.host) });
      if (r.refreshMs !== undefined) s.refreshMs = r.refreshMs;
      // A stub's "" is no status: observing it would publish it and reset the ramp. Old histories observed it.
      if (r.stub === true && (s.current || this.host.patched(JOB_PATCH.stubNotYetKnown))) return 'not-yet-known';
      return r;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const { failure, details, message } = readActivityFailure(err);
      if (details.code === MJ_ERROR_CODE.auth) throw jobFailure(JOB_FAILURE.auth, message, { code: details.code });
      if (failure?.type === ACTIVITY_FAILURE.noUpstream) {
        throw jobFailure(JOB_FAILURE.noUpstream, message, { field: 'upstream', rule: 'owner', ...ownerRef(s) });
      }
      if (details.code === MJ_ERROR_CODE.taskNotFound || failure?.type === 'MjTaskNotFoundError') return 'not-found';
      return 'unavailable';
    } finally {
      s.lastReadAt = this.host.now();
    }
  }

  async pollUntilDone(): Promise<TaskSnapshot> {
    const s = this.s;
    const c = s.carry;
    const p = pol(s);
    c.intervalMs ??= p.initialMs;
    // A continued run fetches at once: the previous run stopped right after a wait.
    let skipWait = s.input.carry?.taskId !== undefined && c.taskId === s.input.carry.taskId;
    let lastError = '';
    for (;;) {
      if (s.modalPending) {
        await this.answerModal();
        skipWait = false;
        continue;
      }
      if (!skipWait) await this.waitForNews();
      skipWait = false;
      const r = await this.fetchOnce();
      let changed = false;
      let statusChanged = false;
      if (typeof r === 'object') {
        statusChanged = c.lastStatus !== undefined && r.status !== c.lastStatus;
        changed = this.observe(r);
        if (r.status === 'SUCCESS') return r;
        if (r.status === 'FAILURE' || r.status === 'CANCEL') throw upstreamTaskFailure(r);
        // A fetch can still show MODAL just after our modal submit; only a new MODAL task parks the job.
        if (r.status === 'MODAL' && c.modalSubmittedFor !== r.id) {
          parkOnModal(s, this.host);
          continue;
        }
        await this.read.publish();
      } else {
        lastError = r;
      }
      checkDeadline(s, this.host, lastError);
      // A status change restarts the short ramp (the task is now in a new phase); progress within a phase only stops
      // the growth, so a long relax job is not re-polled every few seconds after each 15% step.
      // A poll the forecast brought forward says nothing about the ramp: it neither grows nor restarts it.
      const early = this.followForecast(r, changed);
      if (c.hooked || (!changed && !early)) c.intervalMs = growInterval(c.intervalMs, p, c.hooked);
      else if (statusChanged) c.intervalMs = p.initialMs;
    }
  }

  /**
   * Polling only (webhooks make the terminal change arrive by itself): feeds the finish forecast. A poll brought
   * forward that found nothing new means the task is due: a short ramp of its own (from `initialInterval`) runs until
   * the task moves, and the regular ramp stays where it was. Answers whether the poll just made was brought forward.
   */
  private followForecast(r: TaskSnapshot | string, changed: boolean): boolean {
    const early = this.earlyPoll;
    this.earlyPoll = false;
    if (this.s.carry.hooked || typeof r !== 'object' || r.status !== 'IN_PROGRESS') {
      this.overdueMs = undefined;
      return early;
    }
    this.forecast.observe(r.progressPct, this.host.now());
    if (changed) this.overdueMs = undefined;
    else if (early) {
      this.forecast.spend();
      this.overdueMs = this.overdueMs === undefined ? pol(this.s).initialMs : growInterval(this.overdueMs, pol(this.s));
    }
    return early;
  }

  /**
   * The ramp's interval, or sooner: the time left to the forecast finish, or the overdue ramp (polling only). Only
   * the length of the poll timer changes, never which commands a run issues, so histories recorded before it replay.
   */
  private nextIntervalMs(): number | undefined {
    const c = this.s.carry;
    const ramp = c.intervalMs;
    if (c.hooked || ramp === undefined) return ramp;
    const due = this.forecast.dueInMs(this.host.now());
    const soonest = Math.min(
      ramp,
      this.overdueMs ?? ramp,
      due === undefined ? ramp : Math.max(pol(this.s).initialMs, due)
    );
    this.earlyPoll = soonest < ramp;
    return soonest;
  }

  /** Sleeps until the next poll or an actionable webhook hint; continues as new when the history grew long. */
  private async waitForNews(): Promise<void> {
    const s = this.s;
    const c = s.carry;
    const p = pol(s);
    const startedAt = this.host.now();
    // Behind a gateway no read comes sooner than its refresh after the last one, not even a deadline's final fetch
    // or a webhook's: it would only repeat the last answer. Live proxies (refreshMs 0) are not held back.
    const earliest = earliestFetchAt(s.lastReadAt, s.refreshMs);
    // Under the job-cost patch the first webhook (it reports progress only, so it sets no hint) also ends the wait:
    // webhooks reach this job, so the short timer of the polling ramp is swapped for the safety net in the same
    // workflow task (cancel + start: two events) instead of firing for a fetch nobody needs (a task and five more).
    // A hook seen while the submit was in flight: the first wait is already the safety net.
    if (s.cost && c.hooked) c.intervalMs = p.webhookMs;
    const rearm = s.cost && !c.hooked;
    let woken = await this.host.condition(
      () => s.hintPending || (rearm && c.hooked),
      this.waitMs(this.nextIntervalMs(), earliest)
    );
    if (woken && !s.hintPending && rearm) {
      c.intervalMs = p.webhookMs;
      const left = this.waitMs(p.webhookMs, earliest) - (this.host.now() - startedAt);
      woken = await this.host.condition(() => s.hintPending, Math.max(1, left));
    }
    if (woken) {
      c.wakeups++;
      if (earliest > this.host.now()) await this.host.sleep(earliest - this.host.now());
    }
    s.hintPending = false;
    if (this.host.historyIsLong(s.input.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_EVENTS)) {
      await this.host.continueAsNew({ ...s.input, carry: toCarry(s) });
    }
  }

  /**
   * The next wait: `intervalMs` jittered, never past the nearest deadline (whose fetch is the reconciliation), never
   * before `earliest` (a gateway's refresh).
   */
  private waitMs(intervalMs: number | undefined, earliest: number): number {
    const s = this.s;
    const p = pol(s);
    const deadline = jobDeadline(s, this.host);
    const ms = intervalMs ?? p.initialMs;
    // Under the job-cost patch the safety net is jittered downwards only, so a lost terminal webhook is seen within it.
    const jitteredMs =
      s.cost && s.carry.hooked && ms >= p.webhookMs
        ? jitteredBelow(ms, p.jitter, () => this.host.random())
        : jittered(ms, p.jitter, () => this.host.random());
    return Math.max(1, Math.min(jitteredMs, deadline.at - this.host.now()), earliest - this.host.now());
  }
}
