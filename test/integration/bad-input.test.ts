/**
 * Bad input at the entry points that need a server: the client functions (nothing may start, nothing may reach the
 * proxy) and update payloads (the workflow's validator refuses them, and the refusal leaves no trace in history).
 * Table-driven, like its unit twin: each case asserts the error type and code, the field and the rule.
 */
import { eventually as until } from '../helpers/eventually';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PNG } from 'pngjs';
import { LocalAssetStore } from '../../src/assets';
import { MjJobsClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startSimulator, type Simulator } from '../../src/simulator';
import { MAX_IMAGE_BYTES, MAX_PROMPT_LENGTH } from '../../src/shared/defaults';
import type { PipelineResult } from '../../src/shared/pipeline-types';
import type { AssetRef } from '../../src/shared/types';
import {
  configureSlotsUpdate,
  getPipelineProgressQuery,
  getProgressQuery,
  provideModalInputUpdate,
  provideStepInputUpdate,
  slotManagerWorkflow,
} from '../../src/workflows';
import { createWorker, type MjWorker } from '../../src/worker';
import {
  expectRejection,
  markdownTable,
  rejectionFrom,
  type BadInputCase,
  type Rejection,
} from '../helpers/chaos-rejections';
import { bundleJobWorkflows } from '../helpers/job-env';
import { createDevServerEnv } from '../helpers/temporal';

jest.setTimeout(120_000);

const LONG_PROMPT = 'a'.repeat(MAX_PROMPT_LENGTH + 1);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
const url = (n: number) => `https://example.com/${n}.png`;

let env: TestWorkflowEnvironment;
let sim: Simulator;
let mjWorker: MjWorker;
let workerDone: Promise<void>;
let jobs: MjJobsClient;
let store: LocalAssetStore;
let pngMask: AssetRef;
/** A finished grid, its U1, a Vary (Region) of that U1 parked in MODAL, a relax job still queued, a pipeline at a pick. */
const ids = { grid: '', up: '', modal: '', relax: '', pipeline: '', slots: '' };

function maskPng(): Uint8Array {
  const png = new PNG({ width: 8, height: 8 });
  png.data.fill(255);
  return new Uint8Array(PNG.sync.write(png));
}

beforeAll(async () => {
  const [e, bundle] = await Promise.all([createDevServerEnv(), bundleJobWorkflows()]);
  env = e;
  sim = await startSimulator({ timeScale: 40, seed: 17 });
  const dir = mkdtempSync(path.join(tmpdir(), 'mj-bad-input-it-'));
  const taskQueue = `bad-input-it-${randomUUID()}`;
  const config = loadConfig({ MJ_BASE_URL: sim.url, MJ_ASSET_DIR: dir, MJ_TASK_QUEUE: taskQueue });
  mjWorker = await createWorker(config, {
    connection: env.nativeConnection,
    namespace: env.namespace,
    installRuntime: false,
    workflowBundle: bundle,
    log: createLogger({ level: 'silent' }),
  });
  workerDone = mjWorker.run();
  store = new LocalAssetStore({ dir });
  jobs = new MjJobsClient({ client: env.client, store, taskQueue });
  pngMask = await store.put(maskPng(), { contentType: 'image/png', prefix: 'masks' });

  const relax = await jobs.imagine('a slow relax landscape --sim-duration 36000', { mode: 'RELAX' });
  const pipeline = await jobs.pipeline({
    name: 'pick',
    policy: { initialInterval: '300ms', maxInterval: '1s' },
    steps: [
      { id: 'grid', imagine: { prompt: 'a pipeline grid' } },
      { id: 'best', from: 'grid', pick: 'ask', choices: ['U1', 'U2'] },
    ],
  });
  const slots = await env.client.workflow.start(slotManagerWorkflow, {
    taskQueue,
    workflowId: `mj-slots-bad-input-${randomUUID().slice(0, 8)}`,
    args: [{ account: 'bad-input', mode: 'FAST', limits: { limit: 2 } }],
  });
  const fast = { policy: { initialInterval: '300ms', maxInterval: '1s' } } as const;
  const grid = await jobs.imagine('a grid to press buttons on', fast);
  await grid.result();
  const up = await jobs.action(grid.jobId, 'U1', fast);
  await up.result();
  const modal = await jobs.action(up.jobId, 'vary-region', fast);
  Object.assign(ids, {
    grid: grid.jobId,
    up: up.jobId,
    modal: modal.jobId,
    relax: relax.jobId,
    pipeline: pipeline.jobId,
    slots: slots.workflowId,
  });
  await until(
    async () => ((await jobs.progress(modal.jobId)).phase === 'waiting-input' ? true : undefined),
    'waiting-input'
  );
  await until(
    async () => ((await jobs.progress(relax.jobId)).taskId !== undefined ? true : undefined),
    'the relax submit'
  );
  await until(
    async () =>
      (await env.client.workflow.getHandle(pipeline.jobId).query(getPipelineProgressQuery)).waiting.includes(
        'best/main'
      )
        ? true
        : undefined,
    'the pick step'
  );
}, 120_000);

afterAll(async () => {
  mjWorker?.shutdown();
  await workerDone;
  await sim?.close();
  await env?.teardown();
  process.stdout.write(`\nbad input against a server (${tried.length} cases):\n${markdownTable(tried)}`);
});

const tried: { c: BadInputCase; got: Rejection }[] = [];

// ---- client functions: rejected before anything starts --------------------------------------------------------------

const clientCases = (): (BadInputCase & { jobId?: string })[] => [
  {
    entry: 'client',
    input: "imagine('')",
    jobId: 'bad-empty',
    run: () => jobs.imagine('', { jobId: 'bad-empty' }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'prompt', rule: /must be a non-empty string/ },
  },
  {
    entry: 'client',
    input: `imagine(<${MAX_PROMPT_LENGTH + 1} characters>)`,
    jobId: 'bad-long',
    run: () => jobs.imagine(LONG_PROMPT, { jobId: 'bad-long' }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'prompt', rule: /must be at most 6000 characters/ },
  },
  {
    entry: 'client',
    input: 'blend([1 image])',
    jobId: 'bad-blend-1',
    run: () => jobs.blend([url(1)], { jobId: 'bad-blend-1' }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'images', rule: /must hold 2 to 5 images/ },
  },
  {
    entry: 'client',
    input: 'blend([6 images])',
    jobId: 'bad-blend-6',
    run: () => jobs.blend([1, 2, 3, 4, 5, 6].map(url), { jobId: 'bad-blend-6' }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'images', rule: /must hold 2 to 5 images/ },
  },
  {
    entry: 'client',
    input: "imagine('a cat', { jobId: 'bad id' })",
    run: () => jobs.imagine('a cat', { jobId: 'bad id' }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'jobId', rule: /must be 1-200 characters/ },
  },
  {
    entry: 'client',
    input: "action(grid, 'zoom sideways') (unknown intent)",
    jobId: 'bad-intent',
    run: () => jobs.action(ids.grid, 'zoom sideways', { jobId: 'bad-intent' }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'intent', rule: /must be one of U1–U4/ },
  },
  {
    entry: 'client',
    input: "action(grid, 'vary-region') (intent of another stage)",
    jobId: 'bad-stage-1',
    run: () => jobs.action(ids.grid, 'vary-region', { jobId: 'bad-stage-1' }),
    want: {
      type: 'MjInputError',
      code: 'MJ_INVALID_INPUT',
      field: 'intent',
      rule: /must be one of the task's buttons: U1/,
    },
  },
  {
    entry: 'client',
    input: "action(upscale, 'V2') (intent of another stage)",
    jobId: 'bad-stage-2',
    run: () => jobs.action(ids.up, 'V2', { jobId: 'bad-stage-2' }),
    want: {
      type: 'MjInputError',
      code: 'MJ_INVALID_INPUT',
      field: 'intent',
      rule: /must be one of the task's buttons: .*vary-region/,
    },
  },
  {
    entry: 'client',
    input: 'provideModalInput(job in MODAL, { mask: <JPEG bytes> })',
    run: () => jobs.provideModalInput(ids.modal, { prompt: 'a hat', mask: JPEG }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'mask', rule: /must be a PNG image/ },
  },
  {
    entry: 'client',
    input: `provideModalInput(job in MODAL, { mask: <${MAX_IMAGE_BYTES + 1} bytes> })`,
    run: () => jobs.provideModalInput(ids.modal, { prompt: 'a hat', mask: new Uint8Array(MAX_IMAGE_BYTES + 1) }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'mask', rule: /must be at most 10485760 bytes/ },
  },
  {
    entry: 'client',
    input: 'provideModalInput(relax job still queued) (not waiting for one)',
    run: () => jobs.provideModalInput(ids.relax, { prompt: 'a hat for a queued job' }),
    want: {
      type: 'MjInputError',
      code: 'MJ_INVALID_INPUT',
      field: 'jobId',
      rule: /must name a job waiting for input \(it is (queued|running)\)/,
    },
  },
  {
    entry: 'client',
    input: 'provideModalInput(finished grid) (not waiting for one)',
    run: () => jobs.provideModalInput(ids.grid, { prompt: 'a hat for a finished job' }),
    want: {
      type: 'MjInputError',
      code: 'MJ_INVALID_INPUT',
      field: 'jobId',
      rule: /must name a job waiting for input \(it is COMPLETED\)/,
    },
  },
  {
    entry: 'client',
    input: "provideStepInput(pipeline, { step: 'nope' })",
    run: () => jobs.provideStepInput(ids.pipeline, { step: 'nope', choice: 'U1' }),
    want: {
      type: 'MjInputError',
      code: 'MJ_INVALID_INPUT',
      field: 'step',
      rule: /is refused \(.+\): .*unknown step "nope"/,
    },
  },
  ...(
    [
      [
        'a step that reads from a missing step',
        [{ id: 'up', from: 'nowhere', action: 'U1' }],
        'steps[1].from',
        /missing-step/,
      ],
      [
        'a cycle',
        [
          { id: 'a', from: 'b', action: 'U1' },
          { id: 'b', from: 'a', action: 'U1' },
        ],
        'steps[1].from',
        /cycle/,
      ],
      [
        '"zoom-out 2" on a grid',
        [{ id: 'z', from: 'grid', action: 'zoom-out 2' }],
        'steps[1].action',
        /intent-not-offered/,
      ],
    ] as const
  ).map(([what, steps, field, rule], n): BadInputCase & { jobId: string } => ({
    entry: 'client',
    input: `pipeline(<spec with ${what}>)`,
    jobId: `mj-pipeline-bad-${n}`,
    run: () =>
      jobs.pipeline(
        { name: 'p', steps: [{ id: 'grid', imagine: { prompt: 'a cat' } }, ...steps] },
        { jobId: `bad-${n}` }
      ),
    want: { type: 'PipelineSpecError', code: 'PIPELINE_INVALID', field, rule },
  })),
];

// ---- update payloads: the workflow's validator refuses them, and history keeps no trace -------------------------------

const stepUpdate = (input: unknown) => () =>
  env.client.workflow.getHandle(ids.pipeline).executeUpdate(provideStepInputUpdate, { args: [input as never] });
// The input is built when the case runs: the stored mask exists only after `beforeAll`.
const modalUpdate = (id: () => string, input: () => unknown) => () =>
  env.client.workflow.getHandle(id()).executeUpdate(provideModalInputUpdate, { args: [input() as never] });

const updateCases = (): (BadInputCase & { target: () => string; idle: boolean })[] => [
  {
    entry: 'update provideModalInput',
    input: "{ prompt: '   ' } to a job in MODAL",
    target: () => ids.modal,
    idle: true,
    run: modalUpdate(
      () => ids.modal,
      () => ({ prompt: '   ', mask: pngMask })
    ),
    want: {
      type: 'WorkflowUpdateFailedError',
      code: 'InvalidModalInput',
      field: 'prompt',
      rule: /must be a non-empty string/,
    },
  },
  {
    entry: 'update provideModalInput',
    input: `{ prompt: <${MAX_PROMPT_LENGTH + 1} characters> } to a job in MODAL`,
    target: () => ids.modal,
    idle: true,
    run: modalUpdate(
      () => ids.modal,
      () => ({ prompt: LONG_PROMPT, mask: pngMask })
    ),
    want: { type: 'WorkflowUpdateFailedError', code: 'InvalidModalInput', field: 'prompt', rule: /longer than 6000/ },
  },
  {
    entry: 'update provideModalInput',
    input: 'Vary (Region) without a mask',
    target: () => ids.modal,
    idle: true,
    run: modalUpdate(
      () => ids.modal,
      () => ({ prompt: 'a hat, no mask' })
    ),
    want: {
      type: 'WorkflowUpdateFailedError',
      code: 'InvalidModalInput',
      field: 'mask',
      rule: /mask is required for Vary \(Region\)/,
    },
  },
  {
    entry: 'update provideModalInput',
    input: 'mask reference with contentType image/jpeg',
    target: () => ids.modal,
    idle: true,
    run: modalUpdate(
      () => ids.modal,
      () => ({ prompt: 'a hat, jpeg', mask: { ...pngMask, contentType: 'image/jpeg' } })
    ),
    want: {
      type: 'WorkflowUpdateFailedError',
      code: 'InvalidModalInput',
      field: 'mask',
      rule: /mask must be a PNG, not image\/jpeg/,
    },
  },
  {
    entry: 'update provideModalInput',
    input: 'to a relax job still queued (not waiting for one)',
    target: () => ids.relax,
    idle: false,
    run: modalUpdate(
      () => ids.relax,
      () => ({ prompt: 'a hat for a queued job' })
    ),
    want: {
      type: 'WorkflowUpdateFailedError',
      code: 'NotWaitingForModalInput',
      field: 'jobId',
      rule: /not waiting for modal input \(phase (queued|running)\)/,
    },
  },
  {
    entry: 'update provideStepInput',
    input: "{ step: 'nope' }",
    target: () => ids.pipeline,
    idle: true,
    run: stepUpdate({ step: 'nope', choice: 'U1' }),
    want: { type: 'WorkflowUpdateFailedError', code: 'StepInputRejected', field: 'step', rule: /unknown step "nope"/ },
  },
  {
    entry: 'update provideStepInput',
    input: "{ step: 'best', choice: 'U9' }",
    target: () => ids.pipeline,
    idle: true,
    run: stepUpdate({ step: 'best', choice: 'U9' }),
    want: {
      type: 'WorkflowUpdateFailedError',
      code: 'StepInputRejected',
      field: 'choice',
      rule: /"U9" is not a choice of best\/main/,
    },
  },
  {
    entry: 'update provideStepInput',
    input: "{ step: 'grid' } (a step that waits for nobody)",
    target: () => ids.pipeline,
    idle: true,
    run: stepUpdate({ step: 'grid', choice: 'U1' }),
    want: {
      type: 'WorkflowUpdateFailedError',
      code: 'StepInputRejected',
      field: 'step',
      rule: /step "grid" is not waiting/,
    },
  },
  {
    entry: 'update configureSlots',
    input: '{ limit: 0 }',
    target: () => ids.slots,
    idle: true,
    run: () => env.client.workflow.getHandle(ids.slots).executeUpdate(configureSlotsUpdate, { args: [{ limit: 0 }] }),
    want: {
      type: 'WorkflowUpdateFailedError',
      code: 'InvalidSlotLimits',
      field: 'limit',
      rule: /slot limit must be an integer from 1 to 100 \(got 0\)/,
    },
  },
];

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const UPDATE_EVENT_KEYS = [
  'workflowExecutionUpdateAdmittedEventAttributes',
  'workflowExecutionUpdateAcceptedEventAttributes',
  'workflowExecutionUpdateRejectedEventAttributes',
  'workflowExecutionUpdateCompletedEventAttributes',
] as const;

async function history(workflowId: string): Promise<HistoryEvent[]> {
  return (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** The UTF-8 text of every payload in a history. */
function payloadText(events: HistoryEvent[]): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    const o = node as Record<string, unknown>;
    if (o.metadata && o.data instanceof Uint8Array) out.push(Buffer.from(o.data).toString('utf8'));
    for (const v of Object.values(o)) walk(v);
  };
  walk(events);
  return out.join('\n');
}

describe('client functions reject bad input before anything starts', () => {
  it.each(clientCases().map((c) => [c.input, c] as const))('%s', async (_input, c) => {
    const before = sim.stats().submitsByEndpoint;
    const got = await rejectionFrom(c);
    tried.push({ c, got });
    expectRejection(got, c.want);
    if (c.jobId) {
      const id = c.jobId.startsWith('mj-') ? c.jobId : `mj-job-${c.jobId}`;
      await expect(env.client.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    expect(sim.stats().submitsByEndpoint).toEqual(before);
  });
});

describe('update payloads are refused by the validator and leave no trace in history', () => {
  it.each(updateCases().map((c) => [`${c.entry}: ${c.input}`, c] as const))('%s', async (_name, c) => {
    const before = await history(c.target());
    const got = await rejectionFrom(c);
    tried.push({ c, got });
    expectRejection(got, c.want);
    const after = await history(c.target());
    const updates = after.filter((e) => UPDATE_EVENT_KEYS.some((k) => e[k]));
    expect(updates).toEqual([]);
    if (c.idle) expect(after.length).toBe(before.length);
    // Nothing of the refused payload was stored (markers that only the bad inputs carry).
    expect(payloadText(after)).not.toMatch(/a hat, no mask|a hat, jpeg|a hat for a queued job|a{200}|"nope"|U9/);
  });

  it('the refused jobs still take good input afterwards', async () => {
    await jobs.provideModalInput(ids.modal, { prompt: 'a tiny hat --v 7', mask: maskPng() });
    expect((await jobs.result(ids.modal)).task.status).toBe('SUCCESS');
    // The control for the no-trace checks above: an accepted update does leave its events.
    expect((await history(ids.modal)).filter((e) => UPDATE_EVENT_KEYS.some((k) => e[k])).length).toBeGreaterThan(0);
    await jobs.provideStepInput(ids.pipeline, { step: 'best', choice: 'U2' });
    const result = await jobs.result<PipelineResult>(ids.pipeline);
    expect(result.summary).toMatchObject({ total: 2, succeeded: 2 });
    expect((await env.client.workflow.getHandle(ids.relax).query(getProgressQuery)).waitingFor).toBeUndefined();
    await jobs.cancel(ids.relax);
  });
});
