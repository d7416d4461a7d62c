/**
 * The task store and scheduler: per-account, per-mode slots with a bounded wait queue, and the state machine
 * NOT_START → SUBMITTED → IN_PROGRESS (0%, 15%, … 93%) → SUCCESS | FAILURE driven by the simulated clock.
 */
import type { SpeedMode } from '../mj/types';
import { buttonsFor, type ResultKind } from './buttons';
import type { ResolvedOptions } from './options';
import type { SeededRandom } from './random';
import { type FailCause, isTerminal, type NextStep, PROGRESS_STEPS, type SimTask } from './task';

/** Run time of each result kind relative to a grid job: upscales are quick, video is slow. */
const RUN_FACTOR: Record<ResultKind, number> = {
  grid: 1,
  upscale: 0.25,
  'upscale-hd': 0.5,
  describe: 0.25,
  shorten: 0.25,
  video: 2,
  'video-upscale': 0.5,
};

/** Describe and shorten answer in one message: no progress bar. */
const NO_PROGRESS: ReadonlySet<ResultKind> = new Set(['describe', 'shorten']);

interface AccountState {
  running: Record<SpeedMode, Set<string>>;
  /** Tasks waiting for a slot, oldest first, all modes together (the queue bound is per account). */
  waiting: SimTask[];
}

/** What {@link Engine.snapshot} saves: tasks without their timers, and each account's wait line. */
export interface EngineSnapshot {
  seq: number;
  modalsExpired: number;
  tasks: Omit<SimTask, 'timer'>[];
  /** Account → ids of its waiting tasks, oldest first. */
  waiting: Record<string, string[]>;
}

/** What the engine tells the rest of the simulator. */
export interface EngineHooks {
  /** A task reached SUBMITTED, a new progress step, or a terminal state: time for a webhook. */
  onChange(task: SimTask): void;
  /** failReason text for a cause, in the flavour's wording. */
  failReason(cause: FailCause): string;
  /** A timer step ran (state changed without a request): time to save it. */
  touched?(): void;
}

/** Stores tasks and moves them through their states on the simulated clock. */
export class Engine {
  private readonly store = new Map<string, SimTask>();
  private readonly accounts = new Map<string, AccountState>();
  private readonly usedIds = new Set<string>();
  private seq = 0;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly rng: SeededRandom,
    private readonly hooks: EngineHooks
  ) {}

  /** 16 digits: epoch ms plus 3 random digits, unique within this simulator (as N and T build them). */
  newId(): string {
    let ms = this.opts.clock.now();
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && attempt % 20 === 0) ms++;
      const id = `${ms}${String(this.rng.int(1000)).padStart(3, '0')}`;
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** MODAL children that expired unanswered (`modalTtl`). */
  modalsExpired = 0;

  /** Stores a task; a MODAL child gets its expiry timer (`modalTtl`, counted from its `submitTime`). */
  add(task: SimTask): void {
    this.store.set(task.id, task);
    if (task.status === 'MODAL') this.armModalExpiry(task);
  }

  private armModalExpiry(task: SimTask): void {
    const ttl = this.opts.modalTtl;
    if (ttl > 0) this.schedule(task, task.submitTime + ttl - this.opts.clock.now(), { kind: 'expire-modal', runMs: 0 });
  }

  get(id: string): SimTask | undefined {
    return this.store.get(id);
  }

  /** Newest first. */
  all(): SimTask[] {
    return [...this.store.values()].sort((a, b) => b.seq - a.seq);
  }

  size(): number {
    return this.store.size;
  }

  /** True when a new task for this account and mode would start at once or fit in the wait queue. */
  hasRoom(account: string, mode: SpeedMode): boolean {
    const acc = this.account(account);
    if (this.slotFree(acc, mode) && !acc.waiting.some((t) => t.mode === mode)) return true;
    return acc.waiting.length < this.opts.queueSize;
  }

  /**
   * Starts the task now when a slot is free, else queues it. Returns the proxy's `numberOfQueues`: the length of
   * the task's mode's wait line including itself (every slot ahead is busy), or null when it started at once.
   */
  enqueue(task: SimTask): number | null {
    const acc = this.account(task.account);
    // A MODAL child that got its input no longer expires.
    task.timer?.cancel();
    task.timer = null;
    task.next = null;
    task.status = 'NOT_START';
    const ahead = acc.waiting.filter((t) => t.mode === task.mode).length;
    if (ahead === 0 && this.slotFree(acc, task.mode)) {
      this.start(task);
      return null;
    }
    acc.waiting.push(task);
    return ahead + 1;
  }

  /** Jumps a task to SUCCESS now, whatever it was doing (tests and demos). */
  completeNow(id: string): boolean {
    const task = this.store.get(id);
    if (!task || isTerminal(task.status)) return false;
    task.startTime ??= this.opts.clock.now();
    task.modal = null;
    this.succeed(task);
    return true;
  }

  /** Fails a task that has not finished (T's cancel). */
  cancel(id: string): boolean {
    const task = this.store.get(id);
    if (!task || isTerminal(task.status)) return false;
    this.fail(task, 'cancelled');
    return true;
  }

  /** Tasks queued or running, oldest first (N's /task/queue). */
  active(): SimTask[] {
    return this.all()
      .filter((t) => t.status === 'NOT_START' || t.status === 'SUBMITTED' || t.status === 'IN_PROGRESS')
      .reverse();
  }

  /** The engine's state as plain data (timers as their due steps). */
  snapshot(): EngineSnapshot {
    const waiting: Record<string, string[]> = {};
    for (const [name, acc] of this.accounts) if (acc.waiting.length) waiting[name] = acc.waiting.map((t) => t.id);
    const tasks = [...this.store.values()].map(({ timer: _t, ...rest }) => structuredClone(rest));
    return { seq: this.seq, modalsExpired: this.modalsExpired, tasks, waiting };
  }

  /**
   * Loads a snapshot into an empty engine and re-arms every task's timer; steps that fell due while the simulator
   * was stopped run at once, in order. Running tasks take their slots back and queued ones keep their places.
   */
  restore(snap: EngineSnapshot): SimTask[] {
    const tasks = snap.tasks.map((saved): SimTask => ({ ...saved, timer: null }));
    for (const task of tasks) {
      this.store.set(task.id, task);
      this.usedIds.add(task.id);
      if (task.status === 'SUBMITTED' || task.status === 'IN_PROGRESS') {
        this.account(task.account).running[task.mode].add(task.id);
      }
    }
    for (const [name, ids] of Object.entries(snap.waiting)) {
      this.account(name).waiting = ids.map((id) => this.store.get(id)).filter((t) => t !== undefined);
    }
    this.seq = snap.seq;
    this.modalsExpired = snap.modalsExpired;
    for (const task of [...tasks].sort((a, b) => (a.next?.at ?? 0) - (b.next?.at ?? 0))) this.arm(task);
    return tasks;
  }

  reset(): void {
    for (const task of this.store.values()) task.timer?.cancel();
    this.store.clear();
    this.accounts.clear();
    this.usedIds.clear();
    this.seq = 0;
    this.modalsExpired = 0;
  }

  close(): void {
    for (const task of this.store.values()) {
      task.timer?.cancel();
      task.timer = null;
    }
  }

  private account(name: string): AccountState {
    let acc = this.accounts.get(name);
    if (!acc) {
      acc = { running: { FAST: new Set(), RELAX: new Set(), TURBO: new Set() }, waiting: [] };
      this.accounts.set(name, acc);
    }
    return acc;
  }

  private slotFree(acc: AccountState, mode: SpeedMode): boolean {
    return acc.running[mode].size < this.opts.concurrency[mode];
  }

  private timing(task: SimTask): { submitWaitMs: number; runMs: number } {
    if (task.durationOverrideMs != null) {
      const submitWaitMs = Math.round(task.durationOverrideMs * 0.1);
      return { submitWaitMs, runMs: task.durationOverrideMs - submitWaitMs };
    }
    const base = this.opts.durations[task.mode];
    return { submitWaitMs: base.queueMs, runMs: Math.round(base.runMs * RUN_FACTOR[task.kind]) };
  }

  /** Arms the task's timer for `step`, due `delayMs` from now; the step is kept on the task so it can be saved. */
  private schedule(task: SimTask, delayMs: number, step: Omit<NextStep, 'at'>): void {
    task.next = { ...step, at: this.opts.clock.now() + Math.max(0, delayMs) };
    this.arm(task);
  }

  private arm(task: SimTask): void {
    task.timer?.cancel();
    const next = task.next;
    if (!next) return;
    task.timer = this.opts.clock.setTimer(next.at - this.opts.clock.now(), () => {
      task.timer = null;
      task.next = null;
      this.run(task, next);
      this.hooks.touched?.();
    });
  }

  private run(task: SimTask, step: NextStep): void {
    switch (step.kind) {
      case 'after-submitted':
        return this.afterSubmitted(task, step.runMs);
      case 'progress':
        return this.progressStep(task, step.runMs);
      case 'succeed':
        return this.succeed(task);
      case 'fail':
        return this.fail(task, step.cause ?? 'internal');
      case 'expire-modal':
        if (task.status !== 'MODAL') return;
        this.modalsExpired++;
        task.modal = null;
        return this.fail(task, 'modal-expired');
    }
  }

  private start(task: SimTask): void {
    const acc = this.account(task.account);
    acc.waiting = acc.waiting.filter((t) => t !== task);
    acc.running[task.mode].add(task.id);
    task.startTime = this.opts.clock.now();
    if (task.plan.outcome === 'fail' && task.plan.stage === 'pre-start') {
      this.fail(task, task.plan.cause);
      return;
    }
    task.status = 'SUBMITTED';
    task.progress = '0%';
    this.hooks.onChange(task);
    const { submitWaitMs, runMs } = this.timing(task);
    this.schedule(task, submitWaitMs, { kind: 'after-submitted', runMs });
  }

  private afterSubmitted(task: SimTask, runMs: number): void {
    const plan = task.plan;
    if (plan.outcome === 'fail' && plan.stage === 'submitted') return this.fail(task, plan.cause);
    if (NO_PROGRESS.has(task.kind) && plan.outcome !== 'timeout') {
      const step =
        plan.outcome === 'fail' ? { kind: 'fail' as const, cause: plan.cause } : { kind: 'succeed' as const };
      this.schedule(task, runMs, { ...step, runMs });
      return;
    }
    task.status = 'IN_PROGRESS';
    task.step = 0;
    this.progressStep(task, runMs);
  }

  private progressStep(task: SimTask, runMs: number): void {
    const i = task.step;
    const pct = PROGRESS_STEPS[i];
    const now = this.opts.clock.now();
    task.progress = `${pct}%`;
    task.preview = { pct, at: now };
    this.hooks.onChange(task);
    task.step = i + 1;
    const plan = task.plan;
    // A stalled job never reports again; the proxy's own timeout ends it.
    if (plan.outcome === 'timeout') return this.schedule(task, runMs, { kind: 'fail', cause: 'timeout', runMs });
    const offset = (k: number) => Math.round((runMs * k) / PROGRESS_STEPS.length);
    const delay = offset(i + 1) - offset(i);
    if (plan.outcome === 'fail' && pct >= 46)
      return this.schedule(task, delay, { kind: 'fail', cause: plan.cause, runMs });
    if (i + 1 < PROGRESS_STEPS.length) return this.schedule(task, delay, { kind: 'progress', runMs });
    this.schedule(task, runMs - offset(i), { kind: 'succeed', runMs });
  }

  private succeed(task: SimTask): void {
    const now = this.opts.clock.now();
    task.status = 'SUCCESS';
    task.progress = '100%';
    task.finishTime = now;
    task.failReason = null;
    task.imageIssuedAt = now;
    task.buttons = buttonsFor(task.kind, task.version, task.hash, { batch: task.batch, index: task.index });
    this.release(task);
  }

  private fail(task: SimTask, cause: FailCause): void {
    task.status = 'FAILURE';
    task.progress = '';
    task.finishTime = this.opts.clock.now();
    task.failReason = this.hooks.failReason(cause);
    this.release(task);
  }

  /** Frees the slot, tells listeners, then lets the next queued task of the account start. */
  private release(task: SimTask): void {
    task.timer?.cancel();
    task.timer = null;
    task.next = null;
    const acc = this.account(task.account);
    acc.waiting = acc.waiting.filter((t) => t !== task);
    acc.running[task.mode].delete(task.id);
    this.hooks.onChange(task);
    this.pump(acc);
  }

  private pump(acc: AccountState): void {
    for (const task of [...acc.waiting]) {
      if (task.status === 'NOT_START' && this.slotFree(acc, task.mode)) this.start(task);
    }
  }
}
