/**
 * The pieces of the chaos suite that are plain data: run size from the environment, seeded pipelines with the
 * outcome each branch must reach, per-job fault plans for the simulator, and the summary table.
 *
 * Sizes (all optional; the defaults are the CI size, about a minute and a half on two cores):
 * - `CHAOS_JOBS`: concurrent pipelines (each 5 jobs; every 4th is doomed: 1 job fails, 4 are skipped). @default 6
 * - `CHAOS_SEED`: seeds pipelines, faults and the chaos schedule. @default 20250601
 * - `CHAOS_KILLS`: SIGKILLs of a worker process. @default 4
 * - `CHAOS_SERVER_RESTARTS`: kills and restarts of the Temporal dev server. @default 2
 * - `CHAOS_WORKERS`: worker processes sharing the task queue. @default 2
 * - `CHAOS_FLAVOUR`: simulator flavour, `plus` (queue full is code 23) or `trueai`. @default plus
 * - `CHAOS_WINDOW_S`: kills and restarts happen at seeded moments within this many seconds of the start; the last
 *   person's input is held back until they are over, so every one of them hits running pipelines. @default 25
 * - `CHAOS_TIMEOUT_S`: how long the pipelines may take once started. @default 150
 */
import { SeededRandom } from '../../src/simulator/random';
import type { FaultRule } from '../../src/simulator';
import { parsePipelineSpec } from '../../src/pipeline';
import type { PipelineInput, TerminalBranchStatus } from '../../src/shared/pipeline-types';
import type { AssetRef } from '../../src/shared/types';
import { makeStateKey } from '../../src/shared/state-key';
import { nodesFromSteps, planPipeline } from '../../src/workflows/pipeline/plan';

export interface ChaosSettings {
  pipelines: number;
  seed: number;
  workerKills: number;
  serverRestarts: number;
  workers: number;
  flavour: 'plus' | 'trueai';
  windowMs: number;
  timeoutMs: number;
}

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new TypeError(`${name} must be an integer ${min}-${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** Reads the run size; a bad value is an error (never a silently smaller run). */
export function chaosSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  const flavour = env.CHAOS_FLAVOUR ?? 'plus';
  if (flavour !== 'plus' && flavour !== 'trueai') throw new TypeError('CHAOS_FLAVOUR must be plus or trueai');
  return {
    pipelines: intSetting(env, 'CHAOS_JOBS', 6, 1, 200),
    seed: intSetting(env, 'CHAOS_SEED', 20250601, 0, 2 ** 31 - 1),
    workerKills: intSetting(env, 'CHAOS_KILLS', 4, 0, 100),
    serverRestarts: intSetting(env, 'CHAOS_SERVER_RESTARTS', 2, 0, 20),
    workers: intSetting(env, 'CHAOS_WORKERS', 2, 1, 8),
    flavour,
    windowMs: intSetting(env, 'CHAOS_WINDOW_S', 25, 5, 3_600) * 1_000,
    timeoutMs: intSetting(env, 'CHAOS_TIMEOUT_S', 150, 10, 3_600) * 1_000,
  };
}

export { SeededRandom };

/** One child job of a pipeline and how it must end. */
export interface ExpectedJob {
  pipelineId: string;
  /** `<step>/<branch>` */
  key: string;
  jobId: string;
  stateKey: string;
  status: TerminalBranchStatus;
  /** Failure type of a failed or skipped branch. */
  failureType?: string;
  /** Whether the job reaches the proxy (exactly one upstream task) or never starts. */
  submits: 0 | 1;
  isAction: boolean;
}

export interface ChaosPipeline {
  pipelineId: string;
  input: PipelineInput;
  doomed: boolean;
  jobs: ExpectedJob[];
}

/**
 * imagine → U1, U2 → zoom-out 2 on U1 and Vary (Region) on U2, whose prompt and mask a person gives through the
 * `provideStepInput` update (see {@link regionInput}). Every 4th pipeline's grid is refused by the content filter
 * after it was created: the grid fails with ContentPolicy and everything downstream is skipped, never submitted.
 */
export function chaosPipeline(i: number, runId: string, policy: PipelineInput['policy']): ChaosPipeline {
  const doomed = i % 4 === 3;
  const pipelineId = `mj-pipeline-chaos-${runId}-${i}`;
  const prompt = `chaos cat ${i}${doomed ? ' --sim-fail content-policy' : ''} --v 7`;
  const input = parsePipelineSpec({
    name: `chaos-${i}`,
    mode: 'FAST',
    policy,
    steps: [
      { id: 'grid', imagine: { prompt } },
      { id: 'ups', from: 'grid', action: ['U1', 'U2'] },
      { id: 'zoom', from: 'ups', branch: 'U1', action: 'zoom-out 2' },
      { id: 'region', from: 'ups', branch: 'U2', action: 'vary-region', input: 'ask' },
    ],
  });
  const { plan } = planPipeline(nodesFromSteps(input.steps));
  if (!plan) throw new Error('chaos pipeline does not plan');
  const jobs: ExpectedJob[] = plan.order.flatMap((step) =>
    plan.branches[step]!.map((b): ExpectedJob => {
      const jobId = `${pipelineId}/${step}/${b.label}`;
      const entry = step === 'grid';
      return {
        pipelineId,
        key: `${step}/${b.label}`,
        jobId,
        stateKey: makeStateKey(jobId, 0),
        status: !doomed ? 'succeeded' : entry ? 'failed' : 'skipped',
        failureType: !doomed ? undefined : entry ? 'ContentPolicy' : 'ParentBranchFailed',
        submits: !doomed || entry ? 1 : 0,
        isAction: !entry,
      };
    })
  );
  return { pipelineId, input, doomed, jobs };
}

/** The update a person sends to the waiting Vary (Region) branch of pipeline `i`. */
export function regionInput(i: number, mask: AssetRef) {
  return { step: 'region', branch: 'U2', modal: { prompt: `chaos cat ${i} wearing a tiny hat --v 7`, mask } };
}

/** What can go wrong for one job, scoped to its own `state` so no job meets more than its share. */
const JOB_FAULTS: readonly FaultRule[] = [
  { kind: '5xx', endpoint: 'submit/*' },
  { kind: '429', endpoint: 'submit/*', retryAfterSeconds: 1 },
  { kind: 'queue-full' }, // code 23 (plus), code 9 (trueai)
  { kind: 'code3-no-instance' }, // transient code 3
  { kind: 'drop-response', endpoint: 'submit/*' }, // the task is created, the answer is lost
  { kind: 'slow', endpoint: 'submit/*', delayMs: 2_500 },
  { kind: '5xx', endpoint: 'task/fetch', times: 2 },
  { kind: 'drop-response', endpoint: 'task/fetch' },
  { kind: 'slow', endpoint: 'task/fetch', delayMs: 1_500 },
  { kind: 'webhook-lose', times: 3 },
  { kind: 'webhook-duplicate', times: 3 },
  { kind: 'webhook-reorder', times: 2 },
];
const ACTION_FAULTS: readonly FaultRule[] = [{ kind: 'code3-after-success', endpoint: 'submit/action' }];

/** One to three faults per job that reaches the proxy, plus a few shared ones, all bounded in count. */
export function chaosFaults(rng: SeededRandom, jobs: readonly ExpectedJob[]): FaultRule[] {
  const rules: FaultRule[] = [
    { kind: '5xx', endpoint: 'submit/modal', times: 1 },
    { kind: '5xx', endpoint: 'task/list-by-condition', times: 1 },
    { kind: 'slow', endpoint: 'task/fetch', probability: 0.05, times: 20, delayMs: 800 },
  ];
  for (const job of jobs) {
    if (job.submits === 0) continue;
    const menu = job.isAction ? [...JOB_FAULTS, ...ACTION_FAULTS] : JOB_FAULTS;
    const count = 1 + rng.int(3);
    const picked = new Set<number>();
    while (picked.size < count) picked.add(rng.int(menu.length));
    for (const n of picked) rules.push({ ...menu[n]!, match: { state: job.stateKey } });
  }
  return rules;
}

/** A fixed-width table, one `| a | b |` line per row, the first row as header. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r: readonly (string | number)[]) => `| ${r.map((v, c) => String(v).padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
