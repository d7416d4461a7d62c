/**
 * Records workflow histories for the replay test (test/integration/workflow-replay.test.ts): a dev server, the
 * simulator over loopback HTTP and real activities run a few scenarios of each workflow type, and each history is
 * written to test/fixtures/histories/<type>-<scenario>.json (the CLI/UI JSON format), where <type> is `job`,
 * `pipeline`, `batch`, `pagedbatch`, `batchchunk`, `slots`, `ledger`, `upstreams`, `tenants` or `callback`. The long-lived workflows are driven
 * by the code that drives them in production: the worker's ledger recorder and pool router, the operators' pool
 * client, and a real gateway (its tenant directory, and a submit with a notifyHook whose job signals its changes).
 *
 * Fixtures are never re-recorded to make a change pass (CONTRIBUTING.md, "Replay safety"). The script writes only
 * files that do not exist yet, so adding a scenario leaves the committed ones alone; `--only <prefix>` limits it to
 * scenarios whose file name starts with the prefix, and `--force` overwrites (only for a deliberate, documented
 * re-recording).
 *
 *   npx tsx scripts/record-histories.ts [--only pipeline-] [--force]
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { createSlotActivities } from '../src/activities/slots';
import { LocalAssetStore } from '../src/assets';
import { MjUpstreamsClient } from '../src/client/upstreams';
import { MjBatchesClient } from '../src/client/batches';
import { chunkWorkflowId } from '../src/workflows/batch/paged-batch-run';
import { loadConfig } from '../src/config';
import { startGateway } from '../src/gateway/gateway';
import { callbackWorkflowId } from '../src/tenancy/task-id';
import { createLedgerRecorder } from '../src/ledger/ledger-recorder';
import { createLogger } from '../src/logger';
import { MjClient } from '../src/mj';
import { parseBatchSpec, parsePipelineSpec } from '../src/pipeline';
import { PoolRouterClient } from '../src/upstreams/router-client';
import type { ReserveRequest, RoutingSettings, UpstreamView } from '../src/shared/upstreams/types';
import { startSimulator, type Simulator } from '../src/simulator';
import type { JobInput, PollPolicy } from '../src/shared/types';
import {
  batchWorkflow,
  getPipelineProgressQuery,
  getProgressQuery,
  getSlotsQuery,
  mjJobWorkflow,
  pipelineWorkflow,
  provideModalInputUpdate,
  provideStepInputUpdate,
  taskChangedSignal,
} from '../src/workflows';
import { getDeliveriesQuery, replayDeliveriesUpdate } from '../src/workflows/callback/messages';
import { JOB_PATHS_VERSION } from '../src/workflows/job/patches';
import { COST_LEDGER_WORKFLOW_ID, spendQuery } from '../src/workflows/ledger/messages';
import { TENANTS_WORKFLOW_ID } from '../src/workflows/tenants/messages';
import { slotManagerId } from '../src/workflows/slots/messages';
import { bundleJobWorkflows, historiesOfChain, uniqueId } from '../test/helpers/job-env';
import { createDevServerEnv } from '../test/helpers/temporal';
import { testCharge, testHold } from '../test/helpers/ledger-charges';
import { bandMaskPng } from '../test/helpers/mask-png';
import { startUpstreamLane } from '../test/helpers/upstream-lane';

const OUT_DIR = path.resolve(__dirname, '../test/fixtures/histories');
const POLL: Partial<PollPolicy> = { initialInterval: '200ms', maxInterval: '400ms', jitter: 0.1 };

interface Queue {
  taskQueue: string;
  sim: Simulator;
  store: LocalAssetStore;
}

/** What a scenario gets: the server, a worker per flavour, and `save` for each history it produced. */
interface Recorder {
  env: TestWorkflowEnvironment;
  bundle: Awaited<ReturnType<typeof bundleJobWorkflows>>;
  queues: Record<'trueai' | 'gateway', Queue>;
  /** Saves the history of `handle` (read through `client`, by default the recorder's own server). */
  save(file: string, handle: WorkflowHandle, runId?: string, client?: Client): Promise<void>;
}

/** A scenario and the fixture files it writes; it runs only when one of them is missing (or with `--force`). */
interface Scenario {
  files: string[];
  run(r: Recorder): Promise<void>;
}

const settle = (handle: WorkflowHandle) => handle.result().catch(() => undefined);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await pause(100);
  }
}

function startJob(
  r: Recorder,
  flavour: 'trueai' | 'gateway',
  name: string,
  input: Partial<JobInput> & Pick<JobInput, 'request'>
) {
  return r.env.client.workflow.start(mjJobWorkflow, {
    taskQueue: r.queues[flavour].taskQueue,
    workflowId: uniqueId(`job-${name}`),
    args: [{ mode: 'FAST', policy: POLL, ...input }],
  });
}

/** [workflow id prefix, prompt, fixture file] of one recorded job. */
type JobShot = [name: string, prompt: string, file: string];

/**
 * A hooked job (the receiver's first delivery, then SUCCESS, signalled by hand: the first delivery swaps the short
 * wait for the 60 s safety net, so only the SUCCESS hint ends it) and a gateway grid (stubs before its task is known).
 */
async function recordHookedAndGateway(
  r: Recorder,
  shots: { hooked: JobShot; gateway: JobShot },
  extra: Partial<JobInput> = {}
): Promise<void> {
  const [hookedName, hookedPrompt, hookedFile] = shots.hooked;
  const hooked = await startJob(r, 'trueai', hookedName, {
    request: { kind: 'imagine', prompt: `${hookedPrompt} --sim-duration 3600` },
    policy: { ...POLL, initialInterval: '2s', maxInterval: '4s', webhookInterval: '60s' },
    ...extra,
  });
  let taskId = '';
  await until(`${hookedName} accepted`, async () => {
    taskId = (await hooked.query(getProgressQuery)).taskId ?? '';
    return taskId !== '';
  });
  await hooked.signal(taskChangedSignal, { taskId, status: 'IN_PROGRESS', progress: '0%' });
  await pause(500);
  r.queues.trueai.sim.completeNow(taskId);
  await hooked.signal(taskChangedSignal, { taskId, status: 'SUCCESS', progress: '100%' });
  await hooked.result();
  await r.save(hookedFile, hooked);

  const [gatewayName, gatewayPrompt, gatewayFile] = shots.gateway;
  const gateway = await startJob(r, 'gateway', gatewayName, {
    request: { kind: 'imagine', prompt: `${gatewayPrompt} --v 7` },
    ...extra,
  });
  await gateway.result();
  await r.save(gatewayFile, gateway);
}

const JOB_SCENARIOS: Scenario[] = [
  {
    files: [
      'job-imagine-success',
      'job-action-upscale',
      'job-lost-submit-reconciled',
      'job-upstream-content-policy',
      'job-cancelled',
      'job-continue-as-new-first-run',
      'job-continue-as-new-last-run',
      'job-gateway-remix-modal',
    ],
    async run(r) {
      const grid = await startJob(r, 'trueai', 'imagine', { request: { kind: 'imagine', prompt: 'a red fox --v 7' } });
      const gridResult = await grid.result();
      await r.save('job-imagine-success', grid);

      const upscale = await startJob(r, 'trueai', 'upscale', {
        request: { kind: 'action', parentTaskId: gridResult.taskId, intent: { kind: 'upscale', index: 2 } },
      });
      await upscale.result();
      await r.save('job-action-upscale', upscale);

      r.queues.trueai.sim.faults.add({ endpoint: 'submit/imagine', kind: 'drop-response', times: 1 });
      const lost = await startJob(r, 'trueai', 'lost', { request: { kind: 'imagine', prompt: 'a lost answer' } });
      await lost.result();
      await r.save('job-lost-submit-reconciled', lost);

      const failed = await startJob(r, 'trueai', 'failed', {
        request: { kind: 'imagine', prompt: 'a fox --sim-fail content-policy' },
      });
      await settle(failed);
      await r.save('job-upstream-content-policy', failed);

      const cancelled = await startJob(r, 'trueai', 'cancel', {
        request: { kind: 'imagine', prompt: 'a long one --sim-duration 36000' },
        mode: 'RELAX',
      });
      await until('cancel scenario submitted', async () => !!(await cancelled.query(getProgressQuery)).taskId);
      await cancelled.cancel();
      await settle(cancelled);
      await r.save('job-cancelled', cancelled);

      const long = await startJob(r, 'trueai', 'continue', {
        request: { kind: 'imagine', prompt: 'a relaxed fox --sim-duration 1800' },
        mode: 'RELAX',
        continueAsNewAfterEvents: 25,
      });
      await long.result();
      const runs = await historiesOfChain(r.env.client, long.workflowId, long.firstExecutionRunId);
      if (runs.length < 2)
        throw new Error(
          `the continue-as-new scenario did not continue as new (${runs.map((x) => x.length).join(', ')})`
        );
      await r.save('job-continue-as-new-first-run', long, long.firstExecutionRunId);
      await r.save('job-continue-as-new-last-run', long);

      const gatewayGrid = await (
        await startJob(r, 'gateway', 'gw-grid', { request: { kind: 'imagine', prompt: 'a gateway grid --v 7' } })
      ).result();
      const remix = await startJob(r, 'gateway', 'remix', {
        request: { kind: 'action', parentTaskId: gatewayGrid.taskId, intent: { kind: 'variation', index: 1 } },
      });
      await until('remix parked', async () => (await remix.query(getProgressQuery)).phase === 'waiting-modal');
      await remix.executeUpdate(provideModalInputUpdate, { args: [{ prompt: 'a gateway grid in autumn --v 7' }] });
      await remix.result();
      await r.save('job-gateway-remix-modal', remix);
    },
  },
  {
    // Jobs v2: Vary (Region) asks first (waiting-input, nothing pressed), then presses and submits back to back.
    files: ['job-vary-region-waiting-input'],
    async run(r) {
      const grid = await (
        await startJob(r, 'trueai', 'vr-grid', { request: { kind: 'imagine', prompt: 'a hat stand --v 7' } })
      ).result();
      const up = await (
        await startJob(r, 'trueai', 'vr-up', {
          request: { kind: 'action', parentTaskId: grid.taskId, intent: { kind: 'upscale', index: 1 } },
        })
      ).result();
      const region = await startJob(r, 'trueai', 'vary-region', {
        request: { kind: 'action', parentTaskId: up.taskId, intent: { kind: 'vary-region' } },
      });
      await until('vary-region asks', async () => (await region.query(getProgressQuery)).phase === 'waiting-input');
      const mask = await r.queues.trueai.store.put(bandMaskPng(), { contentType: 'image/png', prefix: 'masks' });
      await region.executeUpdate(provideModalInputUpdate, { args: [{ prompt: 'a red hat on the stand --v 7', mask }] });
      await region.result();
      await r.save('job-vary-region-waiting-input', region);
    },
  },
  {
    // Issue 15: new runs on the current paths (one `issue-15-current-paths` marker stands for the job-cost, deadline
    // and stub patches). The hooked job gets the receiver's two signals by hand (the task's first delivery, then
    // SUCCESS), so its short first wait is swapped for the safety net and the terminal hint wakes it; the gateway grid
    // reads stubs before its task is known.
    files: ['job-current-paths-webhooks', 'job-current-paths-gateway'],
    run: (r) =>
      recordHookedAndGateway(r, {
        hooked: ['current-hooked', 'a hooked fox', 'job-current-paths-webhooks'],
        gateway: ['current-gateway', 'a gateway hare', 'job-current-paths-gateway'],
      }),
  },
  {
    // Issue 15: a run whose starter sets `pathsVersion` takes today's paths without asking patched(): no marker and
    // no TemporalChangeVersion upsert. The same hooked flow as above (first delivery, then SUCCESS), and a gateway grid.
    files: ['job-started-on-current-paths', 'job-started-on-current-paths-gateway'],
    run: (r) =>
      recordHookedAndGateway(
        r,
        {
          hooked: ['started-current', 'a versioned owl', 'job-started-on-current-paths'],
          gateway: ['started-current-gateway', 'a versioned hare', 'job-started-on-current-paths-gateway'],
        },
        { pathsVersion: JOB_PATHS_VERSION }
      ),
  },
];

const PIPELINE_SCENARIOS: Scenario[] = [
  {
    // imagine → a person picks the upscale → a person gives the Vary (Region) prompt and mask: both waits answered.
    files: ['pipeline-pick-and-region-answered'],
    async run(r) {
      const q = r.queues.trueai;
      const input = parsePipelineSpec({
        name: 'replay',
        mode: 'FAST',
        policy: POLL,
        steps: [
          { id: 'grid', imagine: { prompt: 'a cat in a garden --v 7' } },
          { id: 'best', from: 'grid', pick: 'ask', choices: ['U1', 'U2'] },
          { id: 'region', from: 'best', action: 'vary-region', input: 'ask' },
        ],
      });
      const handle = await r.env.client.workflow.start(pipelineWorkflow, {
        taskQueue: q.taskQueue,
        workflowId: uniqueId('mj-pipeline-replay'),
        args: [input],
      });
      const waitingOn = (step: string) =>
        until(`pipeline waits on ${step}`, async () =>
          (await handle.query(getPipelineProgressQuery)).waiting.some((w) => w.startsWith(`${step}/`))
        );
      await waitingOn('best');
      await handle.executeUpdate(provideStepInputUpdate, { args: [{ step: 'best', choice: 'U2' }] });
      await waitingOn('region');
      const mask = await q.store.put(bandMaskPng(), { contentType: 'image/png', prefix: 'masks' });
      await handle.executeUpdate(provideStepInputUpdate, {
        args: [{ step: 'region', modal: { prompt: 'a cat wearing a straw hat --v 7', mask } }],
      });
      const result = await handle.result();
      if (result.summary.succeeded !== result.summary.total)
        throw new Error(`pipeline scenario did not succeed: ${JSON.stringify(result.summary)}`);
      await r.save('pipeline-pick-and-region-answered', handle);
    },
  },
  {
    // shorten → imagine its first prompt: the shortened text keeps a `—niji 6` the step's own `--v 7` cannot stand
    // with, so the picked prompt is refused at run time (patch `pipeline-picked-prompt-params`) and starts no job.
    files: ['pipeline-picked-prompt-refused'],
    async run(r) {
      const q = r.queues.trueai;
      const input = parsePipelineSpec({
        name: 'replay',
        mode: 'FAST',
        policy: POLL,
        steps: [
          { id: 'short', shorten: { prompt: 'a red fox in snow \u2014niji 6' } },
          { id: 'grid', promptFrom: { step: 'short', pick: 1 }, imagine: { prompt: '--v 7' } },
        ],
      });
      const handle = await r.env.client.workflow.start(pipelineWorkflow, {
        taskQueue: q.taskQueue,
        workflowId: uniqueId('mj-pipeline-replay'),
        args: [input],
      });
      const result = await handle.result();
      const grid = result.outcomes.find((o) => o.step === 'grid');
      if (result.summary.succeeded !== 1 || grid?.failure?.type !== 'PromptParamRefused')
        throw new Error(`pipeline scenario did not refuse the picked prompt: ${JSON.stringify(result.outcomes)}`);
      await r.save('pipeline-picked-prompt-refused', handle);
    },
  },
];

const BATCH_SCENARIOS: Scenario[] = [
  {
    // Three prompts, two at once, one refused by the content filter after acceptance: every item reported.
    files: ['batch-prompts-one-refused'],
    async run(r) {
      const input = parseBatchSpec(
        'a red fox --v 7\n# a comment\na blue hare --v 7\na grey owl --sim-fail content-policy\n',
        {
          concurrency: 2,
        }
      );
      const handle = await r.env.client.workflow.start(batchWorkflow, {
        taskQueue: r.queues.trueai.taskQueue,
        workflowId: uniqueId('mj-batch-replay'),
        args: [{ ...input, policy: POLL }],
      });
      const report = await handle.result();
      if (report.items.length !== 3) throw new Error(`batch scenario reported ${report.items.length} items`);
      await r.save('batch-prompts-one-refused', handle);
    },
  },
  {
    // A paged batch: six prompts in chunks of two, two at once, one refused, paused and resumed, continuing as new
    // after short runs; the batch's last run and its first chunk are kept.
    files: ['pagedbatch-chunks-paused-resumed', 'batchchunk-two-items-one-refused'],
    async run(r) {
      const q = r.queues.trueai;
      const batches = new MjBatchesClient(r.env.client, q.store, q.taskQueue, { budgets: async () => [] }, []);
      const text =
        'a red fox --v 7\na grey owl --sim-fail content-policy\na blue hare --v 7\n' +
        'a paper boat --v 7\na brass lamp --v 7\nan oak chair --v 7\n';
      const { batchId } = await batches.start(text, {
        concurrency: 2,
        chunkSize: 2,
        captureImages: false,
        continueAsNewAfterEvents: 30,
        policy: POLL,
      });
      await until('a first page', async () => (await batches.progress(batchId)).pages.length > 0);
      await batches.pause(batchId);
      await pause(500);
      await batches.resume(batchId);
      const handle = r.env.client.workflow.getHandle(batchId);
      const end = await handle.result();
      if (end.total !== 6 || end.failed !== 1) throw new Error(`paged batch scenario: ${JSON.stringify(end)}`);
      // Keep the run that took the pause and the resume (walking back from the last run).
      let runId: string | undefined;
      for (let n = 0; n < 20; n++) {
        const events = (await r.env.client.workflow.getHandle(batchId, runId).fetchHistory()).events ?? [];
        const signals = events.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName);
        if (signals.includes('setBatchPaused')) break;
        runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
        if (!runId) throw new Error('paged batch scenario: no run took the pause');
      }
      await r.save('pagedbatch-chunks-paused-resumed', handle, runId);
      await r.save('batchchunk-two-items-one-refused', r.env.client.workflow.getHandle(chunkWorkflowId(batchId, 0)));
    },
  },
];

const SLOT_SCENARIOS: Scenario[] = [
  {
    // Two jobs share one slot: the manager grants, queues, grants again on release; recorded while it idles.
    files: ['slots-manager-two-jobs-one-slot'],
    async run(r) {
      const account = `replay-${Date.now()}`;
      const jobs = await Promise.all(
        ['a slotted fox', 'a slotted hare'].map((prompt, i) =>
          startJob(r, 'trueai', `slot-${i}`, { request: { kind: 'imagine', prompt }, account, slots: { limit: 1 } })
        )
      );
      await Promise.all(jobs.map((j) => j.result()));
      const manager = r.env.client.workflow.getHandle(slotManagerId(account, 'FAST'));
      await until('slots released', async () => {
        const s = await manager.query(getSlotsQuery);
        return s.holders.length === 0 && s.waiting.length === 0 && s.totals.granted >= 2;
      });
      await r.save('slots-manager-two-jobs-one-slot', manager);
    },
  },
  {
    // Two batch jobs and a person's job share one slot, on the rule that grants interactive requests first (patch
    // `slots-interactive-first`): the person is queued behind a batch job and granted ahead of it.
    files: ['slots-manager-interactive-first'],
    async run(r) {
      const account = `replay-prio-${Date.now()}`;
      const slots = { limit: 1 };
      const start = (name: string, priority: 'batch' | 'interactive') =>
        startJob(r, 'trueai', name, { request: { kind: 'imagine', prompt: `a ${name}` }, account, slots, priority });
      const manager = r.env.client.workflow.getHandle(slotManagerId(account, 'FAST'));
      const first = await start('batch-fox', 'batch');
      // The manager starts with the first request: until then the query finds no workflow.
      await until('the first batch job to hold the slot', async () => {
        const s = await manager.query(getSlotsQuery).catch(() => undefined);
        return s?.holders.length === 1;
      });
      const rest = [await start('batch-hare', 'batch'), await start('person-owl', 'interactive')];
      await Promise.all([first, ...rest].map((j) => j.result()));
      await until('slots released', async () => {
        const s = await manager.query(getSlotsQuery);
        return s.holders.length === 0 && s.waiting.length === 0 && s.totals.granted >= 3;
      });
      await r.save('slots-manager-interactive-first', manager);
    },
  },
];

/** A view of one simulated upstream for the pool (no secrets: views never carry any). */
const poolView = (id: string, priority: number, fast: number): UpstreamView => ({
  id,
  flavour: 'trueai',
  priority,
  weight: 1,
  features: [],
  modes: { FAST: { concurrency: 2 }, RELAX: { concurrency: 1 } },
  prices: { currency: 'USD', default: { FAST: fast, RELAX: fast / 5 } },
});

const ENTITY_SCENARIOS: Scenario[] = [
  {
    // The worker's ledger recorder: budgets set at start, a hold that becomes a charge, a hold released (the submit
    // was not accepted), a charge of another tenant, and a refund (gateway timeout) of the first charge.
    files: ['ledger-holds-charges-refund'],
    async run(r) {
      const client = r.env.client;
      const recorder = createLedgerRecorder({
        client,
        taskQueue: r.queues.trueai.taskQueue,
        budgets: { budgets: [{ scope: 'tenant', id: 'acme', limit: 1, period: 'day', onExceed: 'refuse' }] },
      });
      const verdict = await recorder.hold(testHold('mj-job-ledger-1', 1));
      if (!verdict.ok) throw new Error(`ledger scenario: the first hold was refused (${JSON.stringify(verdict)})`);
      await recorder.charge(testCharge('mj-job-ledger-1', 1));
      await recorder.hold(testHold('mj-job-ledger-2', 1));
      await recorder.releaseHold(testHold('mj-job-ledger-2', 1).key);
      await recorder.charge(testCharge('mj-job-ledger-3', 1, { tenant: 'globex', upstreamId: 'sim-b', price: 0.1 }));
      await recorder.refund({ key: testCharge('mj-job-ledger-1', 1).key, reason: 'gateway-timeout', at: Date.now() });
      const spend = await client.workflow.getHandle(COST_LEDGER_WORKFLOW_ID).query(spendQuery, {});
      if (spend.byCurrency.USD?.charges !== 2 || spend.byCurrency.USD?.refunds !== 1)
        throw new Error(`ledger scenario: unexpected spend ${JSON.stringify(spend)}`);
      await r.save('ledger-holds-charges-refund', client.workflow.getHandle(COST_LEDGER_WORKFLOW_ID));
    },
  },
  {
    // The worker's pool router: reserves, an accepted report, a failover that cools `a` down, a release, an
    // operator disabling and enabling `b` (the operators' client), and the reclaim of a reservation whose job closed
    // without releasing (the periodic describe through the slot activities).
    files: ['upstreams-reserve-report-reclaim'],
    async run(r) {
      const routing: RoutingSettings = { rule: 'least-loaded', modePreference: ['FAST', 'RELAX'] };
      const views = [poolView('a', 0, 0.1), poolView('b', 1, 0.05)];
      const pool = new PoolRouterClient({
        client: r.env.client,
        taskQueue: r.queues.trueai.taskQueue,
        upstreams: { views: () => structuredClone(views), routing: () => routing },
        pool: { reclaimInterval: '2s' },
      });
      const closed = await startJob(r, 'trueai', 'pool-holder', {
        request: { kind: 'imagine', prompt: 'a pooled fox' },
      });
      await closed.result();
      const req = (requestId: string): ReserveRequest => ({
        requestId,
        workflowId: closed.workflowId,
        action: 'IMAGINE',
        features: [],
        modes: [],
      });
      await pool.reserve(req('j1#1'));
      await pool.report('j1#1', 'a', { kind: 'accepted', taskId: 't1' });
      await pool.reserve(req('j2#1'));
      await pool.report('j2#1', 'a', { kind: 'failover', reason: 'queue-full', retryAfterMs: 60_000, message: '23' });
      const third = await pool.reserve(req('j3#1'));
      if (third.kind !== 'routed' || third.upstreamId !== 'b')
        throw new Error(`upstreams scenario: the cooled-down pool routed ${JSON.stringify(third)}`);
      await pool.report('j3#1', 'b', { kind: 'accepted', taskId: 't3' });
      await pool.release('j3#1', 'b');
      const operators = new MjUpstreamsClient(r.env.client);
      await operators.setEnabled('b', false, 'maintenance');
      await operators.setEnabled('b', true);
      await until('the closed job’s reservation reclaimed', async () => {
        const health = await pool.health();
        return health.reservations === 0 && health.totals.reclaimed >= 1;
      });
      await r.save('upstreams-reserve-report-reclaim', r.env.client.workflow.getHandle(pool.workflowId));
    },
  },
  {
    // (Named to sort after upstreams-reserve-…, the fixture the replay test alters to prove it detects a change.)
    // A pool on the rule that keeps a share of each mode's places for interactive work (patch
    // `pool-interactive-share`): batch work takes one of two FAST places and is told to wait for the second, which a
    // person's submit then takes.
    files: ['upstreams-share-for-interactive'],
    async run(r) {
      const routing: RoutingSettings = { rule: 'least-loaded', modePreference: ['FAST'] };
      const views = [poolView('a', 0, 0.1)];
      const pool = new PoolRouterClient({
        client: r.env.client,
        taskQueue: r.queues.trueai.taskQueue,
        workflowId: uniqueId('mj-upstream-pool-share'),
        upstreams: { views: () => structuredClone(views), routing: () => routing },
      });
      const req = (requestId: string, jobPriority: 'batch' | 'interactive'): ReserveRequest => ({
        requestId,
        workflowId: `wf-${requestId}`,
        action: 'IMAGINE',
        features: [],
        modes: [],
        jobPriority,
      });
      const decisions = [
        await pool.reserve(req('b1#1', 'batch')),
        await pool.reserve(req('b2#1', 'batch')),
        await pool.reserve(req('p1#1', 'interactive')),
      ].map((d) => d.kind);
      if (decisions.join() !== 'routed,wait,routed')
        throw new Error(`upstreams share scenario: the pool answered ${decisions.join()}`);
      await pool.release('b1#1', 'a');
      await pool.release('p1#1', 'a');
      await r.save('upstreams-share-for-interactive', r.env.client.workflow.getHandle(pool.workflowId));
    },
  },
  {
    // A real gateway: its tenant directory creates keys, sets options and revokes a key; a submit with a notifyHook
    // runs a job that signals its changes, each delivered to a loopback receiver, then one replayed by update.
    files: ['tenants-keys-options-revoke', 'callback-delivered-and-replayed'],
    async run(r) {
      const received: number[] = [];
      const receiver = createServer((req, res) => {
        received.push(Number(req.headers['x-mj-sequence']));
        req.resume().on('end', () => res.writeHead(200).end('ok'));
      });
      await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const dir = await mkdtemp(path.join(tmpdir(), 'record-gateway-'));
      const config = loadConfig({
        MJ_BASE_URL: r.queues.trueai.sim.url,
        MJ_ASSET_DIR: dir,
        MJ_TASK_QUEUE: r.queues.trueai.taskQueue,
        MJ_LOG_LEVEL: 'silent',
      });
      const gateway = await startGateway({
        config,
        gateway: {
          secret: randomBytes(32).toString('hex'),
          port: 0,
          taskQueue: `record-gateway-${Date.now()}`,
          allowPrivateHooks: true,
          callbackRetry: { initialInterval: '200ms', maximumInterval: '1s' },
        },
        log: createLogger({ level: 'silent' }),
        connection: r.env.connection,
        nativeConnection: r.env.nativeConnection,
        namespace: r.env.namespace,
        workflowBundle: r.bundle,
      });
      try {
        const { apiKey } = await gateway.tenants.createKey('hooks', { label: 'replay' });
        const spare = await gateway.tenants.createKey('acme');
        await gateway.tenants.setOptions('hooks', { submitsPerMinute: 120 });
        await gateway.tenants.revokeKey(spare.keyId);
        const res = await fetch(`${gateway.server.url}/mj/submit/imagine`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'mj-api-secret': apiKey },
          body: JSON.stringify({ prompt: 'a hooked heron --v 7', notifyHook: hook }),
        });
        const submit = (await res.json()) as { code: number; result: string };
        if (submit.code !== 1) throw new Error(`callback scenario: submit answered ${JSON.stringify(submit)}`);
        const callback = r.env.client.workflow.getHandle(callbackWorkflowId('hooks', submit.result));
        const deliveries = () => callback.query(getDeliveriesQuery);
        const describe = (v: Awaited<ReturnType<typeof deliveries>>) =>
          v.records.map((d) => `${d.seq}:${d.phase}:${d.status}${d.error ? ` (${d.error})` : ''}`).join(', ');
        await until('the job to succeed and each change to be sent', async () => {
          const v = await deliveries();
          return v.records.at(-1)?.phase === 'succeeded' && v.records.every((d) => d.status !== 'pending');
        }).catch(async (err: Error) => {
          throw new Error(`${err.message}; deliveries: ${describe(await deliveries())}`);
        });
        const view = await deliveries();
        if (view.records.some((d) => d.status !== 'delivered'))
          throw new Error(`callback scenario: deliveries ${describe(view)}`);
        await callback.executeUpdate(replayDeliveriesUpdate, { args: [{ seq: 1 }] });
        await until('the replay delivered', async () =>
          (await callback.query(getDeliveriesQuery)).records.some((d) => d.replays === 1 && d.status === 'delivered')
        );
        await r.save('tenants-keys-options-revoke', r.env.client.workflow.getHandle(TENANTS_WORKFLOW_ID));
        await r.save('callback-delivered-and-replayed', callback);
        console.log(`callback deliveries received: ${received.join(', ')}`);
      } finally {
        await gateway.stop();
        await new Promise((ok) => receiver.close(ok));
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
];

/** Several upstreams (their own server, simulators and pool: `test/helpers/upstream-lane.ts`). */
const UPSTREAM_SCENARIOS: Scenario[] = [
  {
    // A follow-up pinned to a disabled owner waits, and the pool's signal on "upstreams enable" ends its wait.
    files: ['job-pinned-woken-by-pool'],
    async run(r) {
      const sim = { durations: { FAST: { queueMs: 200, runMs: 800 } }, seed: 3 };
      const views = ['x', 'y'].map((id, i) => ({
        id,
        flavour: 'trueai' as const,
        priority: 0,
        weight: 1,
        features: [],
        modes: { FAST: { concurrency: 3 } },
        prices: { currency: 'USD', default: { FAST: 0.01 * (i + 1) } },
      }));
      const lane = await startUpstreamLane(
        'record-up',
        views.map((view) => ({ view, sim })),
        { rule: 'cheapest', modePreference: ['FAST'] }
      );
      try {
        const start = (name: string, request: JobInput['request']) =>
          lane.env.client.workflow.start(mjJobWorkflow, {
            taskQueue: lane.taskQueue,
            workflowId: uniqueId(`job-${name}`),
            args: [{ mode: 'FAST', policy: POLL, captureImages: false, request, pathsVersion: JOB_PATHS_VERSION }],
          });
        const grid = await (await start('pinned-grid', { kind: 'imagine', prompt: 'a pinned grid' })).result();
        const owner = grid.owner!.upstreamId;
        await lane.router.setEnabled({ upstreamId: owner, enabled: false });
        const up = await start('pinned-woken', {
          kind: 'action',
          parentTaskId: grid.taskId,
          intent: { kind: 'upscale', index: 1 },
          upstreamId: owner,
        });
        await until('the upscale waiting for its owner', async () => {
          return (await up.query(getProgressQuery)).waitingFor?.kind === 'upstream';
        });
        await lane.router.setEnabled({ upstreamId: owner, enabled: true });
        await up.result();
        await r.save('job-pinned-woken-by-pool', up, undefined, lane.env.client);
      } finally {
        await lane.close();
      }
    },
  },
];

const SCENARIOS = [
  ...JOB_SCENARIOS,
  ...PIPELINE_SCENARIOS,
  ...BATCH_SCENARIOS,
  ...SLOT_SCENARIOS,
  ...ENTITY_SCENARIOS,
  ...UPSTREAM_SCENARIOS,
];

const exists = (file: string) =>
  access(path.join(OUT_DIR, `${file}.json`)).then(
    () => true,
    () => false
  );

async function startQueue(
  env: TestWorkflowEnvironment,
  flavour: 'trueai' | 'gateway',
  dir: string,
  bundle: Awaited<ReturnType<typeof bundleJobWorkflows>>
) {
  const sim = await startSimulator({ flavour, timeScale: 100, seed: 3, remix: flavour === 'gateway' });
  const mj = new MjClient({ baseUrl: sim.url, flavour });
  const store = new LocalAssetStore({ dir: path.join(dir, flavour) });
  const taskQueue = `record-${flavour}-${Date.now()}`;
  const client = new Client({ connection: env.nativeConnection, namespace: env.namespace ?? 'default' });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: { ...createActivities({ mj, store }), ...createSlotActivities({ client }) },
  });
  const running = worker.run();
  const close = async () => {
    worker.shutdown();
    await running;
    await mj.close();
    await sim.close();
  };
  return { queue: { taskQueue, sim, store }, close };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const wanted: Scenario[] = [];
  for (const s of SCENARIOS) {
    if (only && !s.files.some((f) => f.startsWith(only))) continue;
    if (!force && (await Promise.all(s.files.map(exists))).every(Boolean)) {
      console.log(`kept ${s.files.join(', ')} (recorded already)`);
      continue;
    }
    wanted.push(s);
  }
  if (wanted.length === 0) return;

  const [env, bundle, dir] = await Promise.all([
    createDevServerEnv(),
    bundleJobWorkflows(),
    mkdtemp(path.join(tmpdir(), 'record-histories-')),
  ]);
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const trueai = await startQueue(env, 'trueai', dir, bundle);
    closers.push(trueai.close);
    const gateway = await startQueue(env, 'gateway', dir, bundle);
    closers.push(gateway.close);
    await mkdir(OUT_DIR, { recursive: true });
    const recorder: Recorder = {
      env,
      bundle,
      queues: { trueai: trueai.queue, gateway: gateway.queue },
      async save(file, handle, runId, client = env.client) {
        if (!force && (await exists(file))) {
          console.log(`kept ${file} (recorded already)`);
          return;
        }
        const history = await client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        await writeFile(path.join(OUT_DIR, `${file}.json`), `${historyToJSON(history)}\n`);
        console.log(`recorded ${file}: ${history.events?.length ?? 0} events`);
      },
    };
    for (const s of wanted) await s.run(recorder);
  } finally {
    for (const close of closers) await close();
    await env.teardown();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
