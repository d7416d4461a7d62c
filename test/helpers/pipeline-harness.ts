/**
 * Shared set-up of the pipeline and batch workflow tests: one time-skipping server and one workflow bundle per
 * file, a fresh task queue per test, and a recorder behind the fake job's activities.
 */
import { readRejection, type RejectionDetails } from '../../src/shared/rejection';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PIPELINE_FAILURE } from '../../src/shared/failure-types';
import type { BranchOutcome, PipelineInput, PipelineResult } from '../../src/shared/pipeline-types';
import type { AssetRef, JobInput } from '../../src/shared/types';
import type { pipelineWorkflow } from '../../src/workflows/pipeline/pipeline-workflow';
import type { Duration } from '../../src/shared/duration';
import { createJobTimeSkippingEnv } from './job-env';
import { createDevServerEnv } from './temporal';
import type { FakeActivities, FakeBehaviour } from './pipeline-fake-workflows';

export interface JobEvent {
  id: string;
  kind: 'start' | 'end';
  outcome?: 'succeeded' | 'failed' | 'cancelled';
}

/** Records what the fake jobs did; tells them how to behave (matched by job id suffix, e.g. "/ups/U2"). */
export class FakeJobs {
  readonly events: JobEvent[] = [];
  readonly inputs = new Map<string, JobInput>();
  readonly behaviours: [suffix: string, behaviour: FakeBehaviour][] = [];
  private running = new Map<string, number>();
  maxRunning = 0;
  maxRunningPerGroup = 0;
  private total = 0;

  /** @param defaultDelay how long a job runs unless a behaviour says otherwise (virtual on the time-skipping server) */
  constructor(private readonly defaultDelay: Duration = '5s') {}

  behave(suffix: string, behaviour: FakeBehaviour): this {
    this.behaviours.push([suffix, behaviour]);
    return this;
  }

  activities(): FakeActivities {
    return {
      fakeJobStarted: async (id, input) => {
        if (!this.inputs.has(id)) {
          this.inputs.set(id, input);
          this.events.push({ id, kind: 'start' });
          const group = `${input.account}/${input.mode}`;
          const now = (this.running.get(group) ?? 0) + 1;
          this.running.set(group, now);
          this.total++;
          this.maxRunningPerGroup = Math.max(this.maxRunningPerGroup, now);
          this.maxRunning = Math.max(this.maxRunning, this.total);
        }
        return { delay: this.defaultDelay, ...this.behaviours.find(([suffix]) => id.endsWith(suffix))?.[1] };
      },
      fakeJobEnded: async (id, outcome) => {
        if (this.events.some((e) => e.id === id && e.kind === 'end')) return;
        this.events.push({ id, kind: 'end', outcome });
        const input = this.inputs.get(id)!;
        const group = `${input.account}/${input.mode}`;
        this.running.set(group, this.running.get(group)! - 1);
        this.total--;
      },
    };
  }

  /** Job ids relative to the parent workflow id, in start order. */
  started(parentId: string): string[] {
    return this.events.filter((e) => e.kind === 'start').map((e) => e.id.slice(parentId.length + 1));
  }

  index(id: string, kind: JobEvent['kind']): number {
    const i = this.events.findIndex((e) => e.id === id && e.kind === kind);
    if (i < 0) throw new Error(`no ${kind} event for ${id}`);
    return i;
  }

  input(id: string): JobInput {
    const input = this.inputs.get(id);
    if (!input) throw new Error(`job ${id} never started`);
    return input;
  }
}

export interface Harness {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
}

/**
 * `time-skipping` for timers; `dev` where updates matter: the time-skipping test server answers an update that a
 * validator rejected with "update not found" instead of the rejection.
 */
export async function createHarness(server: 'time-skipping' | 'dev' = 'time-skipping'): Promise<Harness> {
  const [env, bundle] = await Promise.all([
    // Children are started with the lineage search attributes (`MjParentJob`, `MjBatch`): the server must know them.
    server === 'dev' ? createDevServerEnv() : createJobTimeSkippingEnv(),
    bundleWorkflowCode({ workflowsPath: require.resolve('./pipeline-fake-workflows'), logger: quietLogger }),
  ]);
  return { env, bundle };
}

const noop = (): void => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/** Runs `fn` while a worker with the fake job serves a fresh task queue. */
export async function withWorker<T>(h: Harness, jobs: FakeJobs, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `pipeline-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: h.env.nativeConnection,
    taskQueue,
    workflowBundle: h.bundle,
    activities: jobs.activities(),
  });
  return worker.runUntil(fn(taskQueue));
}

export const uid = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export const MASK: AssetRef = { key: 'masks/0a.png', sha256: '0a'.repeat(32), size: 321, contentType: 'image/png' };

/** A fresh copy of examples/cat-pipeline.json. */
export function catSpec(): { steps: Record<string, unknown>[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(path.resolve(__dirname, '../../examples/cat-pipeline.json'), 'utf8')) as {
    steps: Record<string, unknown>[];
  };
}

export function startPipeline(h: Harness, taskQueue: string, input: PipelineInput, workflowId = uid('mj-pipeline')) {
  return h.env.client.workflow.start<typeof pipelineWorkflow>('pipelineWorkflow', {
    taskQueue,
    workflowId,
    args: [input],
  });
}

export function outcomeOf(r: PipelineResult, key: string): BranchOutcome {
  const o = r.outcomes.find((x) => `${x.step}/${x.branch}` === key);
  if (!o) throw new Error(`no outcome ${key}`);
  return o;
}

/** Awaits an update that must be rejected by the validator; returns the rejection message. */
export async function updateRejection(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe(PIPELINE_FAILURE.inputRejected);
  // Every rejection names its field and rule in details[0].
  expect(readRejection(cause as ApplicationFailure)).toMatchObject({
    field: expect.any(String),
    rule: expect.any(String),
  });
  return (cause as ApplicationFailure).message;
}

/** The structured details of a rejected step input. */
export async function rejectionDetails(p: Promise<unknown>): Promise<RejectionDetails | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return readRejection((err as WorkflowUpdateFailedError).cause as ApplicationFailure);
}
