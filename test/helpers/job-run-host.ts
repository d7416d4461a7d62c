/**
 * A fake {@link JobHost} for unit tests of `JobRun` without a server: a manual clock that timers advance, conditions
 * that settle on the next ticks, scripted activities (jest mocks) and a record of every publish.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { JobActivities, JobHost, KeywordKey } from '../../src/workflows/job/job-run';
import type { JobMemo } from '../../src/shared/job-memo';
import type { TaskSnapshot } from '../../src/shared/types';
import type { TaskStatus } from '../../src/mj/types';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

export function snapshot(id: string, status: TaskStatus, extra: Partial<TaskSnapshot> = {}): TaskSnapshot {
  return {
    id,
    action: 'UPSCALE',
    status,
    prompt: 'a fox',
    submitTime: T0,
    startTime: null,
    finishTime: null,
    progress: status === 'SUCCESS' ? '100%' : '0%',
    progressPct: status === 'SUCCESS' ? 100 : 0,
    imageUrl: status === 'SUCCESS' ? `https://cdn.example/${id}.png` : null,
    imageUrls: [],
    videoUrl: null,
    videoUrls: [],
    failReason: null,
    parentId: null,
    mode: 'FAST',
    finalPrompt: null,
    buttons: [],
    ...extra,
  };
}

/** An activity failure as `src/activities/failures.ts` writes it. */
export function mjFailure(code: string, extra: Record<string, unknown> = {}, type = 'MjError'): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message: `${code} failure`,
    nonRetryable: true,
    details: [{ code, ...extra }],
  });
}

export class ContinuedAsNew extends Error {}

export class FakeHost implements JobHost {
  readonly workflowId: string;
  time = T0;
  readonly published: { memo: JobMemo; seq: number; details: string }[] = [];
  readonly keywords = new Map<string, string>();
  readonly activities: jest.Mocked<JobActivities>;
  /** Event log in order: 'submit:<stateKey>', 'modal:<taskId>', and 'slot:acquire'/'slot:release' with slots. */
  readonly calls: string[] = [];
  backPressureReports = 0;

  constructor(workflowId = 'mj-job-test', activities: Partial<JobActivities> = {}) {
    this.workflowId = workflowId;
    const unscripted = (name: string) => () => Promise.reject(new Error(`${name} not scripted`));
    this.activities = {
      submitTask: jest.fn(activities.submitTask ?? unscripted('submitTask')),
      submitModal: jest.fn(activities.submitModal ?? unscripted('submitModal')),
      fetchTask: jest.fn(activities.fetchTask ?? unscripted('fetchTask')),
      findTaskByState: jest.fn(activities.findTaskByState ?? (() => Promise.resolve(null))),
      settleRoutedSubmit: jest.fn(activities.settleRoutedSubmit ?? (() => Promise.resolve())),
      cancelUpstreamTask: jest.fn(activities.cancelUpstreamTask ?? (() => Promise.resolve({ cancelled: true }))),
      captureImages: jest.fn(activities.captureImages ?? (() => Promise.resolve([]))),
      fetchImageSeed: jest.fn(activities.fetchImageSeed ?? (() => Promise.resolve({}))),
    } as jest.Mocked<JobActivities>;
    const submit = this.activities.submitTask.getMockImplementation()!;
    this.activities.submitTask.mockImplementation((input) => {
      this.calls.push(`submit:${input.stateKey}`);
      return submit(input);
    });
    const modal = this.activities.submitModal.getMockImplementation()!;
    this.activities.submitModal.mockImplementation((input) => {
      this.calls.push(`modal:${input.taskId}`);
      return modal(input);
    });
  }

  now = (): number => this.time;
  random = (): number => 0.5;

  async sleep(ms: number): Promise<void> {
    this.time += ms;
    await tick();
  }

  async condition(fn: () => boolean, timeoutMs?: number): Promise<boolean> {
    // Let handlers and other flows run first; a condition without timeout waits for them (bounded, so a test
    // that never satisfies it fails instead of hanging).
    if (timeoutMs !== undefined) this.waits.push(timeoutMs);
    const ticks = timeoutMs === undefined ? 5_000 : 20;
    for (let i = 0; i < ticks; i++) {
      if (fn()) return true;
      await tick();
    }
    if (timeoutMs === undefined) throw new Error('condition never became true');
    this.time += timeoutMs;
    return fn();
  }

  historyIsLong(): boolean {
    return false;
  }

  continueAsNew(): Promise<never> {
    return Promise.reject(new ContinuedAsNew());
  }

  /** Set to run the job as one with account slots: holding a slot is then recorded in {@link calls}. */
  usesSlots = false;

  async holdingSlot<T>(_resume: boolean, fn: () => Promise<T>): Promise<T> {
    if (!this.usesSlots) return fn();
    this.calls.push('slot:acquire');
    try {
      return await fn();
    } finally {
      this.calls.push('slot:release');
    }
  }

  waitOutsideSlot(): boolean {
    return this.usesSlots;
  }

  async reportBackPressure(): Promise<void> {
    this.backPressureReports++;
  }

  /** Each upsert call's keys (one call is one history event). */
  readonly upserts: string[][] = [];
  /** `condition` timeouts asked for, in order. */
  readonly waits: number[] = [];

  upsertKeywords(pairs: [KeywordKey, string | undefined][]): void {
    this.upserts.push(pairs.filter((p) => p[1] !== undefined).map(([key]) => key.name));
    for (const [key, value] of pairs) if (value !== undefined) this.keywords.set(key.name, value);
  }

  async publish(memo: JobMemo, seq: number, details: string): Promise<void> {
    this.published.push({ memo, seq, details });
  }

  /** Patch ids to answer false, as a replay of a history recorded before the change would. */
  readonly unpatched = new Set<string>();
  /** Patch ids the job asked about, in order of first asking. */
  readonly patchesAsked = new Set<string>();

  patched(id: string): boolean {
    this.patchesAsked.add(id);
    return !this.unpatched.has(id);
  }

  /** Resolves once `fn` holds, letting the job run in between. */
  async until(fn: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 5_000; i++) {
      if (fn()) return;
      await tick();
    }
    throw new Error(`never: ${what}`);
  }
}
