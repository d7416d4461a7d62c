/**
 * The step-input update of pipelineWorkflow (modal input, pick "ask", describe prompt pick), with a FAKE
 * mjJobWorkflow. On the dev server: the time-skipping test server answers validator-rejected updates with
 * "update not found", which would hide the rejections these tests are about.
 */
import { parsePipelineSpec } from '../../src/pipeline';
import { PIPELINE_FAILURE } from '../../src/shared/failure-types';
import type { PipelineInput, PipelineResult, StepInput } from '../../src/shared/pipeline-types';
import { getPipelineProgressQuery, provideStepInputUpdate } from '../../src/workflows/pipeline/messages';
import {
  catSpec,
  createHarness,
  FakeJobs,
  MASK,
  outcomeOf,
  rejectionDetails,
  startPipeline,
  uid,
  updateRejection,
  withWorker,
  type Harness,
} from '../helpers/pipeline-harness';
import { eventually } from '../helpers/eventually';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await createHarness('dev');
}, 120_000);
afterAll(async () => {
  await h?.env.teardown();
});

const start = (tq: string, input: PipelineInput, id?: string) => startPipeline(h, tq, input, id);
const outcome = (r: PipelineResult, key: string) => outcomeOf(r, key);

describe('pipelineWorkflow step input (fake jobs, dev server)', () => {
  it('waits for provideStepInput on vary-region, rejects bad input without history, then runs', async () => {
    const jobs = new FakeJobs('300ms');
    const id = uid('mj-pipeline-ask');
    const result = await withWorker(h, jobs, async (tq) => {
      const handle = await start(tq, parsePipelineSpec(catSpec()), id);
      const done = handle.result();
      const progress = await eventually(async () => {
        const p = await handle.query(getPipelineProgressQuery);
        return p.waiting.length > 0 && p.running === 0 ? p : undefined;
      }, 'region/U2 to wait');
      expect(progress.waiting).toEqual(['region/U2']);
      const region = progress.steps.find((s) => s.step === 'region')!.branches[0]!;
      expect(region).toMatchObject({
        status: 'waiting-input',
        jobId: `${id}/region/U2`,
        waitingFor: { kind: 'modal', needs: ['prompt', 'mask'], intent: 'vary-region' },
      });
      expect(jobs.started(id)).not.toContain('region/U2');

      const send = (input: StepInput) => handle.executeUpdate(provideStepInputUpdate, { args: [input] });
      expect(await updateRejection(send({ step: 'nope', modal: { prompt: 'x', mask: MASK } }))).toMatch(
        /unknown step "nope"/
      );
      expect(await updateRejection(send({ step: 'zoom', branch: 'U1', modal: { prompt: 'x' } }))).toMatch(
        /not waiting/
      );
      expect(await updateRejection(send({ step: 'region', branch: 'U3', modal: { prompt: 'x' } }))).toMatch(
        /no branch "U3"/
      );
      expect(await updateRejection(send({ step: 'region', choice: 'U2' }))).toMatch(/modal input, not a choice/);
      expect(await updateRejection(send({ step: 'region', modal: { prompt: 'a hat' } }))).toMatch(/mask is required/);
      expect(await rejectionDetails(send({ step: 'region', modal: { prompt: 'a hat' } }))).toEqual({
        field: 'modal.mask',
        rule: 'required',
      });
      expect(await rejectionDetails(send({ step: 'zoom', branch: 'U1', modal: { prompt: 'x' } }))).toMatchObject({
        field: 'branch',
        rule: 'not-waiting',
      });
      expect(
        await updateRejection(
          send({ step: 'region', modal: { prompt: 'a hat', mask: { ...MASK, contentType: 'image/jpeg' } } })
        )
      ).toMatch(/PNG/);

      const ack = await send({ step: 'region', branch: 'u2', modal: { prompt: 'a hat', mask: MASK } });
      expect(ack).toEqual({ step: 'region', branch: 'U2', jobId: `${id}/region/U2` });
      expect(await updateRejection(send({ step: 'region', modal: { prompt: 'again', mask: MASK } }))).toMatch(
        /not waiting/
      );

      const r = await done;
      // Validators reject before history: exactly one update made it into history.
      const history = await handle.fetchHistory();
      const accepted = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      const rejected = history.events!.filter((e) => e.workflowExecutionUpdateRejectedEventAttributes);
      expect([accepted.length, rejected.length]).toEqual([1, 0]);
      return r;
    });
    expect(jobs.input(`${id}/region/U2`).modal).toEqual({ prompt: 'a hat', mask: MASK });
    expect(result.summary).toMatchObject({ succeeded: 10, failed: 0 });
  });

  it('pick "ask": a person chooses the intent; the descendants follow the chosen branch', async () => {
    const input = parsePipelineSpec({
      name: 'pick',
      steps: [
        { id: 'grid', imagine: { prompt: 'a fox' } },
        { id: 'best', from: 'grid', pick: 'ask', choices: ['U1', 'U2', 'U3', 'U4'] },
        { id: 'wide', from: 'best', action: 'zoom-out 1.5' },
      ],
    });
    const jobs = new FakeJobs('300ms');
    const id = uid('mj-pipeline-pick');
    const result = await withWorker(h, jobs, async (tq) => {
      const handle = await start(tq, input, id);
      const done = handle.result();
      const p = await eventually(async () => {
        const q = await handle.query(getPipelineProgressQuery);
        return q.waiting.length ? q : undefined;
      }, 'best to wait');
      expect(p.steps[1]!.branches[0]!.waitingFor).toMatchObject({ kind: 'choice', choices: ['U1', 'U2', 'U3', 'U4'] });
      const send = (i: StepInput) => handle.executeUpdate(provideStepInputUpdate, { args: [i] });
      expect(await updateRejection(send({ step: 'best', choice: 'V1' }))).toMatch(/not a choice/);
      expect(await updateRejection(send({ step: 'best' }))).toMatch(/waits for a choice/);
      expect(await send({ step: 'best', choice: 'U3' })).toEqual({
        step: 'best',
        branch: 'main',
        jobId: `${id}/best/main`,
        choice: 'U3',
      });
      return done;
    });
    expect(jobs.input(`${id}/best/main`).request).toEqual({
      kind: 'action',
      parentTaskId: `task-${id}/grid/main`,
      intent: { kind: 'upscale', index: 3 },
    });
    expect(jobs.input(`${id}/wide/zoom-out-1.5`).request).toMatchObject({ parentTaskId: `task-${id}/best/main` });
    expect(outcome(result, 'best/main')).toMatchObject({ status: 'succeeded', intent: 'U3' });
    expect(result.summary.succeeded).toBe(3);
  });

  it('describe → pick a prompt → imagine, both by number and by a person', async () => {
    const described = '1️⃣ a red fox in snow --ar 3:2\n\n2️⃣ a fox, ink drawing --ar 3:2\n\n3️⃣ fox cub --ar 1:1';
    const input = parsePipelineSpec({
      name: 'desc',
      steps: [
        { id: 'desc', describe: { image: { url: 'https://example.com/fox.png' } } },
        { id: 'first', promptFrom: { step: 'desc', pick: 1 }, imagine: {} },
        { id: 'chosen', promptFrom: { step: 'desc', pick: 'ask' }, imagine: { prompt: '--v 7' } },
        { id: 'missing', promptFrom: { step: 'desc', pick: 4 }, imagine: {} },
      ],
    });
    const jobs = new FakeJobs('300ms').behave('/desc/main', { finalPrompt: described });
    const id = uid('mj-pipeline-desc');
    const result = await withWorker(h, jobs, async (tq) => {
      const handle = await start(tq, input, id);
      const done = handle.result();
      const p = await eventually(async () => {
        const q = await handle.query(getPipelineProgressQuery);
        return q.waiting.length ? q : undefined;
      }, 'chosen to wait');
      expect(p.steps[2]!.branches[0]!.waitingFor).toEqual({
        kind: 'prompt-pick',
        prompts: ['a red fox in snow --ar 3:2', 'a fox, ink drawing --ar 3:2', 'fox cub --ar 1:1'],
      });
      const send = (i: StepInput) => handle.executeUpdate(provideStepInputUpdate, { args: [i] });
      expect(await updateRejection(send({ step: 'chosen', choice: '4' }))).toMatch(/1\.\.3/);
      expect(await updateRejection(send({ step: 'chosen', modal: { prompt: 'x' } }))).toMatch(/prompt number/);
      expect(await send({ step: 'chosen', choice: '2️⃣' })).toMatchObject({
        choice: '2',
        prompt: 'a fox, ink drawing --ar 3:2',
      });
      return done;
    });
    expect(jobs.input(`${id}/first/main`).request).toEqual({ kind: 'imagine', prompt: 'a red fox in snow --ar 3:2' });
    expect(jobs.input(`${id}/chosen/main`).request).toEqual({
      kind: 'imagine',
      prompt: 'a fox, ink drawing --ar 3:2 --v 7',
    });
    expect(outcome(result, 'missing/main')).toMatchObject({
      status: 'failed',
      failure: { type: PIPELINE_FAILURE.promptNotFound },
    });
    expect(result.summary).toMatchObject({ succeeded: 3, failed: 1, jobsStarted: 3 });
  });
});
