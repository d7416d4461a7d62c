/**
 * A gateway's refunded timeout end to end (jobs v2, part 1): the simulator's new-api gateway fails a task that is not
 * at "100%" after its `gatewayTaskTimeout` with "上游任务超时（超过1小时）"; the job fails `GatewayTimeout` (not
 * `UpstreamTimeout`), and a pipeline resubmits that job once, as `<jobId>/resubmit`, and never twice. Real dev server,
 * real activities and MjClient, the gateway over loopback at 100× simulated time (15 simulated seconds = 150 ms).
 */
import { randomUUID } from 'node:crypto';
import { parsePipelineSpec } from '../../src/pipeline';
import { JOB_FAILURE } from '../../src/shared/failure-types';
import { parseStateKey } from '../../src/shared/state-key';
import { pipelineWorkflow } from '../../src/workflows';
import { resubmitJobId } from '../../src/workflows/common/child-jobs';
import { startSimLane, type SimLane } from '../helpers/sim-lane';

jest.setTimeout(120_000);

const SCALE = 100;
/** The gateway gives up on unfinished tasks after 2 simulated minutes here (an hour in new-api). */
const GATEWAY_TIMEOUT = 120_000;

let lane: SimLane;
beforeAll(async () => {
  lane = await startSimLane(
    'gw-timeout',
    { flavour: 'gateway', timeScale: SCALE, seed: 4, gatewayTaskTimeout: GATEWAY_TIMEOUT },
    // The gateway refreshes every 15 simulated seconds: that is how often the job may poll, in real time.
    { refreshIntervalMs: 15_000 / SCALE }
  );
}, 120_000);
afterAll(() => lane?.close());

const POLICY = { initialInterval: '100ms', maxInterval: '300ms', jitter: 0.1, totalTimeout: '60s' } as const;

/** Submits per job, read from the `state` keys the simulator received. */
function submitsOf(pipelineId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(lane.sim.stats().submitsByState)) {
    const jobId = parseStateKey(key)?.workflowId;
    if (jobId?.startsWith(`${pipelineId}/`)) out[jobId] = (out[jobId] ?? 0) + n;
  }
  return out;
}

function start(prompt: string) {
  const input = parsePipelineSpec({
    name: 'gw',
    policy: POLICY,
    steps: [{ id: 'grid', imagine: { prompt } }],
  });
  return lane.env.client.workflow.start(pipelineWorkflow, {
    taskQueue: lane.taskQueue,
    workflowId: `mj-pipeline-gw-${randomUUID().slice(0, 8)}`,
    args: [input],
  });
}

it('resubmits a job the gateway timed out once, and the resubmitted job can succeed', async () => {
  // Ten simulated minutes of work: the gateway's two-minute cut-off fails the first task.
  const { env, sim } = lane;
  const handle = await start('a slow fox --sim-duration 600');
  const jobId = `${handle.workflowId}/grid/main`;
  // Let the resubmitted job's task finish at once, as a task that is not stuck in a queue would.
  const deadline = Date.now() + 60_000;
  let finished = false;
  while (!finished && Date.now() < deadline) {
    const tasks = sim.tasks() as { id: string; state?: string | null; status: string }[];
    const again = tasks.find((t) => parseStateKey(t.state ?? '')?.workflowId === resubmitJobId(jobId));
    if (again) {
      sim.completeNow(again.id);
      finished = true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(finished).toBe(true);
  const result = await handle.result();
  expect(result.outcomes[0]).toMatchObject({ status: 'succeeded', jobId: resubmitJobId(jobId) });
  expect(submitsOf(handle.workflowId)).toEqual({ [jobId]: 1, [resubmitJobId(jobId)]: 1 });

  // The first job itself failed with the gateway's kind, not MidJourney's timeout.
  const first = await env.client.workflow
    .getHandle(jobId)
    .result()
    .catch((err: unknown) => err);
  expect((first as { cause?: { type?: string } }).cause?.type).toBe(JOB_FAILURE.gatewayTimeout);
  expect(sim.stats().gatewayTimeouts).toBeGreaterThanOrEqual(1);
});

it('resubmits only once: a second gateway timeout fails the branch with GatewayTimeout', async () => {
  const { sim } = lane;
  const before = sim.stats().gatewayTimeouts;
  const handle = await start('a slower fox --sim-duration 900');
  const result = await handle.result();
  const jobId = `${handle.workflowId}/grid/main`;
  expect(result.outcomes[0]).toMatchObject({
    status: 'failed',
    jobId: resubmitJobId(jobId),
    failure: { type: JOB_FAILURE.gatewayTimeout },
  });
  expect(submitsOf(handle.workflowId)).toEqual({ [jobId]: 1, [resubmitJobId(jobId)]: 1 });
  expect(sim.stats().gatewayTimeouts - before).toBe(2);
});
