/**
 * Records job workflow histories for the replay test (test/integration/job-replay.test.ts): a dev server, the
 * simulator over loopback HTTP and real activities run a few scenarios, and each history is written to
 * test/fixtures/histories/job-<scenario>.json (the CLI/UI JSON format).
 *
 * Re-record only on purpose: a replay failure after a workflow change means running workflows would break.
 *
 *   npx tsx scripts/record-histories.ts
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { LocalAssetStore } from '../src/assets';
import { MjClient } from '../src/mj';
import type { MjFlavour } from '../src/mj/types';
import { startSimulator, type Simulator } from '../src/simulator';
import type { JobInput, PollPolicy } from '../src/shared/types';
import { getProgressQuery, mjJobWorkflow, provideModalInputUpdate } from '../src/workflows';
import { bundleJobWorkflows, historiesOfChain, uniqueId } from '../test/helpers/job-env';
import { createDevServerEnv } from '../test/helpers/temporal';

const OUT_DIR = path.resolve(__dirname, '../test/fixtures/histories');
const POLL: Partial<PollPolicy> = { initialInterval: '200ms', maxInterval: '400ms', jitter: 0.1 };

async function main(): Promise<void> {
  const [env, bundle, dir] = await Promise.all([
    createDevServerEnv(),
    bundleJobWorkflows(),
    mkdtemp(path.join(tmpdir(), 'record-histories-')),
  ]);
  const closers: (() => Promise<unknown>)[] = [];
  const queues: Partial<Record<MjFlavour, { taskQueue: string; sim: Simulator }>> = {};
  try {
    for (const [flavour, remix] of [
      ['trueai', false],
      ['gateway', true],
    ] as const) {
      const sim = await startSimulator({ flavour, timeScale: 100, seed: 3, remix });
      const mj = new MjClient({ baseUrl: sim.url, flavour });
      const taskQueue = `record-${flavour}-${Date.now()}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities: createActivities({ mj, store: new LocalAssetStore({ dir }) }),
      });
      const running = worker.run();
      closers.push(async () => {
        worker.shutdown();
        await running;
        await mj.close();
        await sim.close();
      });
      queues[flavour] = { taskQueue, sim };
    }

    const start = (flavour: MjFlavour, name: string, input: Partial<JobInput> & Pick<JobInput, 'request'>) =>
      env.client.workflow.start(mjJobWorkflow, {
        taskQueue: queues[flavour]!.taskQueue,
        workflowId: uniqueId(`job-${name}`),
        args: [{ mode: 'FAST', policy: POLL, ...input }],
      });
    const save = async (name: string, handle: WorkflowHandle, runId?: string) => {
      const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      await writeFile(path.join(OUT_DIR, `job-${name}.json`), `${historyToJSON(history)}\n`);
      console.log(`recorded job-${name}: ${history.events?.length ?? 0} events`);
    };
    const settle = (handle: WorkflowHandle) => handle.result().catch(() => undefined);

    await mkdir(OUT_DIR, { recursive: true });

    const grid = await start('trueai', 'imagine', { request: { kind: 'imagine', prompt: 'a red fox --v 7' } });
    const gridResult = await grid.result();
    await save('imagine-success', grid);

    const upscale = await start('trueai', 'upscale', {
      request: { kind: 'action', parentTaskId: gridResult.taskId, intent: { kind: 'upscale', index: 2 } },
    });
    await upscale.result();
    await save('action-upscale', upscale);

    queues.trueai!.sim.faults.add({ endpoint: 'submit/imagine', kind: 'drop-response', times: 1 });
    const lost = await start('trueai', 'lost', { request: { kind: 'imagine', prompt: 'a lost answer' } });
    await lost.result();
    await save('lost-submit-reconciled', lost);

    const failed = await start('trueai', 'failed', {
      request: { kind: 'imagine', prompt: 'a fox --sim-fail content-policy' },
    });
    await settle(failed);
    await save('upstream-content-policy', failed);

    const cancelled = await start('trueai', 'cancel', {
      request: { kind: 'imagine', prompt: 'a long one --sim-duration 36000' },
      mode: 'RELAX',
    });
    while (!(await cancelled.query(getProgressQuery)).taskId) await new Promise((r) => setTimeout(r, 100));
    await cancelled.cancel();
    await settle(cancelled);
    await save('cancelled', cancelled);

    const long = await start('trueai', 'continue', {
      request: { kind: 'imagine', prompt: 'a relaxed fox --sim-duration 1800' },
      mode: 'RELAX',
      continueAsNewAfterEvents: 25,
    });
    await long.result();
    const runs = await historiesOfChain(env.client, long.workflowId, long.firstExecutionRunId);
    if (runs.length < 2)
      throw new Error(
        `the continue-as-new scenario did not continue as new (${runs.map((r) => r.length).join(', ')} events)`
      );
    await save('continue-as-new-first-run', long, long.firstExecutionRunId);
    await save('continue-as-new-last-run', long);

    const gatewayGrid = await (
      await start('gateway', 'gw-grid', { request: { kind: 'imagine', prompt: 'a gateway grid --v 7' } })
    ).result();
    const remix = await start('gateway', 'remix', {
      request: { kind: 'action', parentTaskId: gatewayGrid.taskId, intent: { kind: 'variation', index: 1 } },
    });
    while ((await remix.query(getProgressQuery)).phase !== 'waiting-modal')
      await new Promise((r) => setTimeout(r, 100));
    await remix.executeUpdate(provideModalInputUpdate, { args: [{ prompt: 'a gateway grid in autumn --v 7' }] });
    await remix.result();
    await save('gateway-remix-modal', remix);
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
