/**
 * PipelineRun without a server: which branches start, wait, are skipped or expire, what each child job is given,
 * and which step inputs are accepted. A fake PipelineHost records child starts and input timers; the workflow
 * itself runs in pipeline-workflow.test.ts (time-skipping server) and pipeline-input.test.ts (dev server).
 */
import { ApplicationFailure } from '@temporalio/common';
import { parsePipelineSpec } from '../../../src/pipeline';
import { PIPELINE_FAILURE } from '../../../src/shared/failure-types';
import type { PipelineInput, StepInput } from '../../../src/shared/pipeline-types';
import { readRejection } from '../../../src/shared/rejection';
import type { AssetRef, JobInput } from '../../../src/shared/types';
import type { ChildOutcome } from '../../../src/workflows/common/child-jobs';
import { PipelineRun, type PipelineHost } from '../../../src/workflows/pipeline/pipeline-run';
import { nodesFromSteps, planPipeline } from '../../../src/workflows/pipeline/plan';
import { checkPromptNumber } from '../../../src/workflows/pipeline/step-input-checks';
import { failed, result, succeeded } from './job-results';

const ID = 'mj-pipeline-test';
const MASK: AssetRef = { key: 'masks/0a.png', sha256: '0a'.repeat(32), size: 321, contentType: 'image/png' };

interface Started {
  jobId: string;
  input: JobInput;
  end(outcome: ChildOutcome): Promise<void>;
}

/** Records child starts in order (ended by the test) and input timers (expired by the test). */
class FakeHost implements PipelineHost {
  readonly started: Started[] = [];
  readonly timers: { ms: number; expire(): Promise<void> }[] = [];

  runChildJob(jobId: string, input: JobInput, onStarted: (jobId: string) => void): Promise<ChildOutcome> {
    return new Promise((resolve) => {
      onStarted(jobId);
      this.started.push({ jobId, input, end: (o) => (resolve(o), flush()) });
    });
  }

  condition(fn: () => boolean, ms?: number): Promise<boolean> {
    // Without a timeout (a branch following a twin's press): holds once `fn` does, as the run's outcomes arrive.
    if (ms === undefined) return (async () => (await until(fn), true))();
    return new Promise((resolve) => this.timers.push({ ms, expire: () => (resolve(false), flush()) }));
  }

  /** Every change is today's code (no history recorded before it). */
  patched(): boolean {
    return true;
  }

  log(): void {}

  /** The started child for `<step>/<branch>`. */
  job(key: string): Started {
    const s = this.started.find((x) => x.jobId === `${ID}/${key}`);
    if (!s) throw new Error(`${key} not started (started: ${this.started.map((x) => x.jobId).join(', ')})`);
    return s;
  }
}

/** Lets the run's `.then` callbacks on child outcomes and timers run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves once `fn` holds (checked after each turn of the event loop). */
async function until(fn: () => boolean): Promise<void> {
  while (!fn()) await flush();
}

function runOf(spec: Record<string, unknown>, host = new FakeHost()): { run: PipelineRun; host: FakeHost } {
  const input: PipelineInput = parsePipelineSpec(spec);
  const { plan } = planPipeline(nodesFromSteps(input.steps));
  if (!plan) throw new Error('test spec does not plan');
  return { run: new PipelineRun(input, plan.branches, plan.order, ID, host), host };
}

const cat = (extra: Record<string, unknown> = {}) => ({
  name: 'cat',
  steps: [
    { id: 'grid', imagine: { prompt: 'a cute cat --v 7' } },
    { id: 'ups', from: 'grid', action: ['U1', 'U2', 'U3', 'U4'] },
    { id: 'zoom', from: 'ups', action: 'zoom-out 2' },
    { id: 'region', from: 'ups', branch: 'U2', action: 'vary-region', input: 'ask' },
  ],
  ...extra,
});

const status = (run: PipelineRun, key: string) => run.branches.get(key)!.status;

/** The rejection a step input gets: its type, field, rule and phase. */
function rejectionOf(run: PipelineRun, input: StepInput) {
  try {
    run.resolve(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return {
      type: (err as ApplicationFailure).type,
      message: (err as ApplicationFailure).message,
      ...readRejection(err as ApplicationFailure),
    };
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('PipelineRun scheduling', () => {
  it('starts children as parents succeed, within concurrency, with the parent task id and the pipeline cost tag', async () => {
    const { run, host } = runOf(cat({ concurrency: 2 }));
    run.advance();
    expect(host.started.map((s) => s.jobId)).toEqual([`${ID}/grid/main`]);
    await host.job('grid/main').end(succeeded(result('t-grid')));
    expect(run.dirty).toBe(true);
    run.advance();
    // Four upscales are ready; concurrency 2 starts the first two in plan order.
    expect(host.started.map((s) => s.jobId)).toEqual([`${ID}/grid/main`, `${ID}/ups/U1`, `${ID}/ups/U2`]);
    expect(host.job('ups/U2').input).toMatchObject({
      request: { kind: 'action', parentTaskId: 't-grid', intent: { kind: 'upscale', index: 2 } },
      mode: 'FAST',
      costTags: { pipelineId: ID },
    });
    expect(run.progress()).toMatchObject({ running: 2, summary: { jobsStarted: 3, succeeded: 1 } });
    await host.job('ups/U1').end(succeeded(result('t-u1')));
    run.advance();
    // U3 takes the freed slot before zoom/U1: branches start in plan order.
    expect(host.started.slice(3).map((s) => s.jobId)).toEqual([`${ID}/ups/U3`]);
  });

  it('presses a paid-once button once: a second step pressing U1 on the same parent reuses the first job', async () => {
    const twice = (action: string) => ({
      name: 'twice',
      steps: [
        { id: 'grid', imagine: { prompt: 'a cat' } },
        { id: 'a', from: 'grid', action },
        { id: 'b', from: 'grid', action },
      ],
    });
    const { run, host } = runOf(twice('U1'));
    run.advance();
    await host.job('grid/main').end(succeeded(result('t-grid')));
    run.advance();
    // One child for both steps; b waits for a's job and takes its outcome.
    expect(host.started.map((s) => s.jobId)).toEqual([`${ID}/grid/main`, `${ID}/a/U1`]);
    expect(host.job('a/U1').input.lineage).toEqual({
      pipelineId: ID,
      parentJobId: `${ID}/grid/main`,
      rootJobId: `${ID}/grid/main`,
    });
    await host.job('a/U1').end(succeeded(result('t-u1')));
    await until(() => status(run, 'b/U1') !== 'running');
    expect(run.branches.get('b/U1')).toMatchObject({ status: 'succeeded', jobId: `${ID}/a/U1`, taskId: 't-u1' });

    // V1 draws new images each press: two steps, two jobs.
    const v = runOf(twice('V1'));
    v.run.advance();
    await v.host.job('grid/main').end(succeeded(result('t-grid')));
    v.run.advance();
    expect(v.host.started.map((s) => s.jobId)).toEqual([`${ID}/grid/main`, `${ID}/a/V1`, `${ID}/b/V1`]);
  });

  it('skips the descendants of a failed branch and lets its siblings go on', async () => {
    const { run, host } = runOf(cat());
    run.advance();
    await host.job('grid/main').end(succeeded(result('t-grid')));
    run.advance();
    await host.job('ups/U2').end(failed('BannedPrompt', 'Banned prompt'));
    await host.job('ups/U1').end(succeeded(result('t-u1')));
    run.advance();
    expect(status(run, 'region/U2')).toBe('skipped');
    expect(status(run, 'zoom/U2')).toBe('skipped');
    expect(run.branches.get('zoom/U2')!.failure).toEqual({
      type: PIPELINE_FAILURE.parentFailed,
      message: 'skipped: ups/U2 failed (BannedPrompt)',
    });
    expect(status(run, 'zoom/U1')).toBe('running');
    expect(run.allTerminal()).toBe(false);
  });

  it('fails a branch whose input did not come within inputTimeout, and cancels what is still pending', async () => {
    const { run, host } = runOf(cat({ inputTimeout: '10m' }));
    run.advance();
    await host.job('grid/main').end(succeeded(result('t-grid')));
    run.advance();
    await host.job('ups/U2').end(succeeded(result('t-u2')));
    run.advance();
    expect(status(run, 'region/U2')).toBe('waiting-input');
    expect(host.timers.map((t) => t.ms)).toEqual([600_000]);
    run.dirty = false;
    await host.timers[0]!.expire();
    expect(run.dirty).toBe(true);
    expect(run.branches.get('region/U2')).toMatchObject({
      status: 'failed',
      waitingFor: undefined,
      failure: { type: PIPELINE_FAILURE.inputExpired, message: 'no input for region/U2 within 10m' },
    });
    run.cancelPending();
    expect(status(run, 'zoom/U3')).toBe('cancelled');
    // Running children are left to the workflow to cancel; they end with their own outcome.
    expect(status(run, 'zoom/U2')).toBe('running');
    expect(status(run, 'ups/U1')).toBe('running');
  });
});

describe('PipelineRun step input', () => {
  async function waitingRegion() {
    const { run, host } = runOf(cat());
    run.advance();
    await host.job('grid/main').end(succeeded(result('t-grid')));
    run.advance();
    return { run, host };
  }

  it('rejects input for a missing step, a branch that is not waiting yet, and a wrong modal, naming field and rule', async () => {
    const { run } = await waitingRegion();
    expect(rejectionOf(run, { step: 'nope' })).toMatchObject({
      type: PIPELINE_FAILURE.inputRejected,
      field: 'step',
      rule: 'exists',
    });
    // ups/U2 still runs, so region/U2 is blocked: the rule is about timing and says the phase.
    expect(rejectionOf(run, { step: 'region', branch: 'U2', modal: { prompt: 'x', mask: MASK } })).toEqual({
      type: PIPELINE_FAILURE.inputRejected,
      message: 'region/U2 is not waiting for input (it is blocked)',
      field: 'branch',
      rule: 'not-waiting',
      phase: 'blocked',
    });
    expect(rejectionOf(run, { step: 'region' })).toMatchObject({ field: 'step', rule: 'not-waiting' });
  });

  it('accepts modal input for the waiting branch and gives it to its child job', async () => {
    const { run, host } = await waitingRegion();
    await host.job('ups/U2').end(succeeded(result('t-u2')));
    run.advance();
    expect(run.progress().waiting).toEqual(['region/U2']);
    expect(rejectionOf(run, { step: 'region', modal: { prompt: 'a hat' } })).toMatchObject({
      field: 'modal.mask',
      rule: 'required',
    });
    expect(rejectionOf(run, { step: 'region', choice: 'U1', modal: { prompt: 'a hat', mask: MASK } })).toMatchObject({
      field: 'choice',
      rule: 'unexpected',
    });
    expect(status(run, 'region/U2')).toBe('waiting-input');

    const ack = run.apply({ step: 'region', modal: { prompt: 'a hat', mask: MASK } });
    expect(ack).toEqual({ step: 'region', branch: 'U2', jobId: `${ID}/region/U2` });
    expect(status(run, 'region/U2')).toBe('ready');
    run.advance();
    // Four children run (ups U1, U3, U4 and zoom/U2): the ready branch waits for a slot.
    expect(status(run, 'region/U2')).toBe('ready');
    // A freed slot goes to the first ready branch in plan order: zoom/U1 (just unblocked) before region/U2.
    await host.job('ups/U1').end(succeeded(result('t-u1')));
    run.advance();
    expect(host.started.at(-1)!.jobId).toBe(`${ID}/zoom/U1`);
    expect(status(run, 'region/U2')).toBe('ready');
    await host.job('ups/U3').end(failed('BannedPrompt', 'Banned prompt'));
    run.advance();
    expect(host.job('region/U2').input).toMatchObject({
      request: { kind: 'action', parentTaskId: 't-u2', intent: { kind: 'vary-region' } },
      modal: { prompt: 'a hat', mask: MASK },
    });
  });

  it('can apply an input only once its branch waits, or once nothing can change any more (replay order)', async () => {
    const { run, host } = await waitingRegion();
    const input: StepInput = { step: 'region', branch: 'U2', modal: { prompt: 'a hat', mask: MASK } };
    // On replay the update may come before the child result that makes region/U2 wait: the handler waits then.
    expect(run.canApply(input)).toBe(false);
    await host.job('ups/U2').end(succeeded(result('t-u2')));
    expect(run.canApply(input)).toBe(false);
    run.advance();
    expect(run.canApply(input)).toBe(true);
    // An input that can never resolve does not hang the handler once the pipeline is over: apply then refuses it.
    expect(run.canApply({ step: 'nope' })).toBe(false);
    run.done = true;
    expect(run.canApply({ step: 'nope' })).toBe(true);
  });

  it('imagines the prompt a person picked from a describe answer', async () => {
    const { run, host } = runOf({
      name: 'describe',
      steps: [
        { id: 'desc', describe: { image: { url: 'https://example.com/reference.png' } } },
        { id: 'grid', promptFrom: { step: 'desc', pick: 'ask' }, imagine: { prompt: '--v 7' } },
      ],
    });
    run.advance();
    await host.job('desc/main').end(succeeded(result('t-d', { finalPrompt: '1️⃣ a red fox\n\n2️⃣ a blue owl' })));
    run.advance();
    expect(run.branches.get('grid/main')!.waitingFor).toEqual({
      kind: 'prompt-pick',
      prompts: ['a red fox', 'a blue owl'],
    });
    expect(rejectionOf(run, { step: 'grid', choice: '3' })).toMatchObject({ field: 'choice', rule: 'prompt-number' });
    expect(run.apply({ step: 'grid', choice: '2️⃣' })).toMatchObject({ choice: '2', prompt: 'a blue owl' });
    run.advance();
    expect(host.job('grid/main').input.request).toMatchObject({ kind: 'imagine', prompt: 'a blue owl --v 7' });
  });
});

describe('a picked prompt the parameter rules refuse', () => {
  // `--cref` works with V6/V6.1 and niji 6 only: the step's own `--v 7` passes alone, not with the picked prompt.
  const describe = '1️⃣ a red fox --cref https://example.com/c.png\n\n2️⃣ a blue owl --ar 3:2';
  const spec = (pick: number | 'ask') => ({
    name: 'describe',
    steps: [
      { id: 'desc', describe: { image: { url: 'https://example.com/reference.png' } } },
      { id: 'grid', promptFrom: { step: 'desc', pick }, imagine: { prompt: '--v 7' } },
    ],
  });

  it('fails a numbered pick with PromptParamRefused naming the parameter, and starts no job', async () => {
    const { run, host } = runOf(spec(1));
    run.advance();
    await host.job('desc/main').end(succeeded(result('t-d', { finalPrompt: describe })));
    run.advance();
    expect(status(run, 'grid/main')).toBe('failed');
    const failure = run.branches.get('grid/main')!.failure!;
    expect(failure.type).toBe(PIPELINE_FAILURE.promptParamRefused);
    expect(failure.message).toContain('--cref');
    expect(failure.message).toContain('cref-version');
    expect(host.started.map((s) => s.jobId)).toEqual([`${ID}/desc/main`]);
  });

  it('fails a person’s pick the same way, and starts a pick that passes', async () => {
    const { run, host } = runOf(spec('ask'));
    run.advance();
    await host.job('desc/main').end(succeeded(result('t-d', { finalPrompt: describe })));
    run.advance();
    expect(run.apply({ step: 'grid', choice: '1' })).toMatchObject({ choice: '1' });
    run.advance();
    expect(run.branches.get('grid/main')!.failure).toMatchObject({ type: PIPELINE_FAILURE.promptParamRefused });
    expect(run.progress().waiting).toEqual([]);
    expect(run.branches.get('grid/main')).toMatchObject({ status: 'failed', waitingFor: undefined });
    expect(host.started).toHaveLength(1);

    const ok = runOf(spec(2));
    ok.run.advance();
    await ok.host.job('desc/main').end(succeeded(result('t-d', { finalPrompt: describe })));
    ok.run.advance();
    expect(ok.host.job('grid/main').input.request).toMatchObject({ prompt: 'a blue owl --ar 3:2 --v 7' });
  });

  it('a pipeline recorded before the check (patched() false) starts the job as it did', async () => {
    class OldHost extends FakeHost {
      override patched(): boolean {
        return false;
      }
    }
    const { run, host } = runOf(spec(1), new OldHost());
    run.advance();
    await host.job('desc/main').end(succeeded(result('t-d', { finalPrompt: describe })));
    run.advance();
    expect(host.job('grid/main').input.request).toMatchObject({ prompt: expect.stringContaining('--cref') });
  });
});

describe('checkPromptNumber', () => {
  it('takes 1..count as a digit or keycap, and nothing else', () => {
    expect(checkPromptNumber(' 3 ', undefined, 4, 'grid/main')).toBe(3);
    expect(checkPromptNumber('4\uFE0F\u20E3', undefined, 4, 'grid/main')).toBe(4);
    for (const [choice, modal] of [
      ['5', undefined],
      ['0', undefined],
      ['one', undefined],
      [undefined, undefined],
      ['1', {}],
    ]) {
      expect(() => checkPromptNumber(choice, modal, 4, 'grid/main')).toThrow(
        expect.objectContaining({
          type: PIPELINE_FAILURE.inputRejected,
          details: [{ field: 'choice', rule: 'prompt-number' }],
        })
      );
    }
  });
});
