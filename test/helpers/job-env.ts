/**
 * Test support for job workflows: a time-skipping server that accepts our search attributes, one workflow bundle
 * per test file, unique ids, history walking across continue-as-new, and a scripted fake upstream whose activities
 * read the server's (skipped) clock.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import path from 'node:path';
import type { createActivities, SubmitTaskInput, SubmitTaskResult } from '../../src/activities';
import { toApplicationFailure } from '../../src/activities/failures';
import type { ButtonIntent, FailReasonKind, TaskStatus } from '../../src/mj/types';
import { MjTaskNotFoundError } from '../../src/mj';
import { ACTIVITY_FAILURE } from '../../src/shared/failure-types';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/search-attributes';
import type { CapturedImage, ModalInput, TaskButton, TaskSnapshot } from '../../src/shared/types';
import { createTimeSkippingEnv } from './temporal';

type Activities = ReturnType<typeof createActivities>;

export const WORKFLOWS_PATH = path.resolve(__dirname, '../../src/workflows');

/** A random workflow id (fixed ids make reruns collide). */
export const uniqueId = (prefix = 'job'): string => `${prefix}-${randomUUID()}`;

/** A task queue private to one test file (and one run of it). */
export const uniqueTaskQueue = (file: string): string =>
  `${path.basename(file).replace(/\W+/g, '-')}-${randomUUID().slice(0, 8)}`;

/** The time-skipping server knows no custom search attributes until told; the dev server helper registers them itself. */
export async function createJobTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await createTimeSkippingEnv();
  const KEYWORD = 2; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, KEYWORD])),
  });
  return env;
}

/** Bundling takes seconds: once per test file, shared by every worker of the file. */
export function bundleJobWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

const noop = (): void => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every run of a workflow, first to last, following continue-as-new links. */
export async function historiesOfChain(
  client: Client,
  workflowId: string,
  firstRunId: string
): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    runs.push(events);
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** The ApplicationFailure a failed job ended with (asserting it did fail with one). */
export async function jobFailureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
  return (err as WorkflowFailedError).cause as ApplicationFailure;
}

export async function historyLength(handle: WorkflowHandle): Promise<number> {
  return (await handle.fetchHistory()).events?.length ?? 0;
}

export async function historyJson(handle: WorkflowHandle): Promise<string> {
  return historyToJSON(await handle.fetchHistory());
}

/** What a scripted task looks like `elapsedMs` after it started running (submit, or modal submit). */
export type TaskScript = (elapsedMs: number) => {
  status: TaskStatus;
  progress?: string;
  failReason?: string;
  failKind?: FailReasonKind;
};

/** SUBMITTED for `queueMs`, then IN_PROGRESS in 15 % steps, SUCCESS at `totalMs` (a typical fast imagine). */
export function imagineScript(totalMs = 60_000, queueMs = 5_000): TaskScript {
  return (t) => {
    if (t >= totalMs) return { status: 'SUCCESS', progress: '100%' };
    if (t < queueMs) return { status: 'SUBMITTED', progress: '0%' };
    const pct = Math.min(93, 15 * Math.floor(((t - queueMs) / (totalMs - queueMs)) * 7));
    return { status: 'IN_PROGRESS', progress: `${pct}%` };
  };
}

export function stuckScript(status: TaskStatus = 'SUBMITTED', progress = '0%'): TaskScript {
  return () => ({ status, progress });
}

export function failingScript(afterMs: number, failKind: FailReasonKind, failReason: string): TaskScript {
  return (t) =>
    t >= afterMs ? { status: 'FAILURE', progress: '', failKind, failReason } : { status: 'SUBMITTED', progress: '0%' };
}

/** One submit attempt of a scenario: succeed (optionally as MODAL), or throw; `creates` = accepted but answer lost. */
export type SubmitStep = { ok: 'accepted' | 'modal' } | { fail: Error; creates?: boolean };

export interface Scenario {
  submits?: SubmitStep[];
  script: TaskScript;
  /** Whether the flavour can be searched by state. @default true */
  listable?: boolean;
  /** Fails each modal submit with these errors first. */
  modalFailures?: Error[];
  cancelSupported?: boolean;
  /** The proxy answers not-found to fetches this long after submit (a store that saves asynchronously, §14.6). */
  hiddenForMs?: number;
}

interface FakeTask {
  id: string;
  state: string;
  createdAt: number;
  startedAt?: number;
  script: TaskScript;
  cancelled?: boolean;
}

export interface ScenarioLog {
  submits: number;
  submitTimes: number[];
  fetchTimes: number[];
  finds: number;
  notFound: number;
  modals: ModalInput[];
  cancels: string[];
  tasks: FakeTask[];
}

const GRID_BUTTONS: TaskButton[] = [1, 2, 3, 4].map((i) => ({
  customId: `MJ::JOB::upsample::${i}::hash`,
  emoji: '',
  label: `U${i}`,
  type: 2,
  style: 2,
  intent: { kind: 'upscale', index: i, alwaysModal: false } as ButtonIntent,
}));

/**
 * Fake activities keyed by workflow id, so one worker serves every test of a file. Time comes from the test server,
 * so a script sees skipped time exactly as the workflow does.
 */
export class FakeUpstream {
  private readonly scenarios = new Map<string, Scenario>();
  private readonly logs = new Map<string, ScenarioLog>();
  private nextId = 1_700_000_000_000_000;

  constructor(private readonly now: () => Promise<number>) {}

  scenario(workflowId: string, s: Scenario): ScenarioLog {
    const log: ScenarioLog = {
      submits: 0,
      submitTimes: [],
      fetchTimes: [],
      finds: 0,
      notFound: 0,
      modals: [],
      cancels: [],
      tasks: [],
    };
    this.scenarios.set(workflowId, { ...s, submits: [...(s.submits ?? [])] });
    this.logs.set(workflowId, log);
    return log;
  }

  private current(): { s: Scenario; log: ScenarioLog } {
    const id = Context.current().info.workflowExecution?.workflowId ?? '';
    const s = this.scenarios.get(id);
    const log = this.logs.get(id);
    if (!s || !log) throw new Error(`no scenario for workflow ${id}`);
    return { s, log };
  }

  private snapshot(task: FakeTask, now: number): TaskSnapshot {
    const view = task.cancelled
      ? { status: 'FAILURE', progress: '', failReason: '取消任务', failKind: 'cancelled' as const }
      : task.startedAt === undefined
        ? { status: 'MODAL', progress: '' }
        : task.script(now - task.startedAt);
    const pct = /(\d+)%/.exec(view.progress ?? '');
    return {
      id: task.id,
      action: 'IMAGINE',
      status: view.status,
      prompt: 'a fox',
      finalPrompt: 'a fox',
      progress: view.progress ?? '',
      progressPct: pct ? Number(pct[1]) : null,
      imageUrl: view.status === 'SUCCESS' ? `https://cdn.example/${task.id}.png` : null,
      imageUrls: [],
      videoUrl: null,
      videoUrls: [],
      failReason: 'failReason' in view ? (view.failReason ?? null) : null,
      parentId: null,
      mode: null,
      submitTime: null,
      startTime: null,
      finishTime: null,
      buttons: view.status === 'SUCCESS' ? GRID_BUTTONS : [],
      ...('failKind' in view && view.failKind ? { failKind: view.failKind } : {}),
    };
  }

  activities(): Activities {
    const fake = {
      submitTask: async (input: SubmitTaskInput): Promise<SubmitTaskResult> => {
        const { s, log } = this.current();
        const now = await this.now();
        log.submits++;
        log.submitTimes.push(now);
        const step = s.submits?.shift() ?? { ok: 'accepted' as const };
        const create = (modal: boolean): FakeTask => {
          const task: FakeTask = {
            id: String(this.nextId++),
            state: input.stateKey,
            script: s.script,
            createdAt: now,
            startedAt: modal ? undefined : now,
          };
          log.tasks.push(task);
          return task;
        };
        if ('fail' in step) {
          if (step.creates) create(false);
          throw toApplicationFailure(step.fail);
        }
        const task = create(step.ok === 'modal');
        return { kind: step.ok, taskId: task.id };
      },
      fetchTask: async ({ taskId }: { taskId: string }): Promise<TaskSnapshot> => {
        const { s, log } = this.current();
        const now = await this.now();
        log.fetchTimes.push(now);
        const task = log.tasks.find((t) => t.id === taskId);
        if (!task || now - task.createdAt < (s.hiddenForMs ?? 0)) {
          log.notFound++;
          throw toApplicationFailure(notFound(taskId));
        }
        return this.snapshot(task, now);
      },
      findTaskByState: async ({ stateKey }: { stateKey: string }): Promise<TaskSnapshot | null> => {
        const { s, log } = this.current();
        log.finds++;
        if (s.listable === false) {
          throw ApplicationFailure.create({
            type: ACTIVITY_FAILURE.reconcileUnsupported,
            message: 'the fake flavour cannot list tasks',
            nonRetryable: true,
          });
        }
        const task = log.tasks.find((t) => t.state === stateKey);
        return task ? this.snapshot(task, await this.now()) : null;
      },
      submitModal: async ({ taskId, input }: { taskId: string; input: ModalInput }): Promise<{ taskId: string }> => {
        const { s, log } = this.current();
        log.modals.push(input);
        const failure = s.modalFailures?.shift();
        if (failure) throw toApplicationFailure(failure);
        const task = log.tasks.find((t) => t.id === taskId);
        if (!task) throw toApplicationFailure(notFound(taskId));
        task.startedAt = await this.now();
        return { taskId };
      },
      cancelUpstreamTask: async ({ taskId }: { taskId: string }) => {
        const { s, log } = this.current();
        log.cancels.push(taskId);
        if (!s.cancelSupported) return { cancelled: false, reason: 'the fake flavour has no cancel endpoint' };
        const task = log.tasks.find((t) => t.id === taskId);
        if (task) task.cancelled = true;
        return { cancelled: true };
      },
      captureImages: async ({ jobId, task }: { jobId: string; task: TaskSnapshot }): Promise<CapturedImage[]> => [
        {
          asset: { key: `images/${jobId}/0.png`, sha256: '0'.repeat(64), size: 1, contentType: 'image/png' },
          index: 0,
          sourceUrl: task.imageUrl ?? '',
        },
      ],
      // The scripted upstream has no image-seed endpoint: the job learns no seed and carries on.
      fetchImageSeed: async (): Promise<{ seed?: string }> => ({}),
    } satisfies Partial<Activities>;
    return fake as unknown as Activities;
  }
}

function notFound(taskId: string): Error {
  return new MjTaskNotFoundError(taskId);
}
