/**
 * `JobRun` without a server: the order of upstream calls, what a person is asked and when, unasked MODALs, the
 * typed failures (a person asked first, an unknown external parent), and what readers see (memo, details).
 */
import { ApplicationFailure } from '@temporalio/common';
import { JOB_FAILURE, MJ_ERROR_CODE, MODAL_INPUT_REJECTION } from '../../../src/shared/failure-types';
import { readRejection } from '../../../src/shared/rejection';
import { makeStateKey } from '../../../src/shared/state-key';
import type { AssetRef, JobInput, JobResult, TaskSnapshot } from '../../../src/shared/types';
import { JobRun } from '../../../src/workflows/job/job-run';
import { JOB_PATCH } from '../../../src/workflows/job/patches';
import { FakeHost, mjFailure, snapshot } from '../../helpers/job-run-host';

const MASK: AssetRef = { key: 'masks/m.png', sha256: 'b'.repeat(64), size: 99, contentType: 'image/png' };
const FAST = { initialInterval: '1s', maxInterval: '2s' } as const;

const varyRegion = (extra: Partial<JobInput> = {}): JobInput => ({
  request: { kind: 'action', parentTaskId: 'P1', intent: { kind: 'vary-region' } },
  policy: FAST,
  captureImages: false,
  ...extra,
});

/** An upstream whose action answers with a MODAL child, which runs to SUCCESS once its modal was submitted. */
function modalUpstream(opts: { childIds?: string[]; submitKind?: 'modal' | 'accepted' } = {}) {
  const ids = [...(opts.childIds ?? ['C1'])];
  const submitted = new Set<string>();
  let current = '';
  let extra = 100;
  return {
    submitTask: async () => {
      current = ids.shift() ?? `C${++extra}`;
      return { kind: opts.submitKind ?? ('modal' as const), taskId: current };
    },
    submitModal: async (i: { taskId: string }) => {
      submitted.add(i.taskId);
      return { taskId: i.taskId };
    },
    fetchTask: async (i: { taskId: string }) =>
      submitted.has(i.taskId)
        ? snapshot(i.taskId, 'SUCCESS')
        : snapshot(i.taskId, 'MODAL', { finalPrompt: 'a fox, remixed', submitTime: null }),
  };
}

async function settle(p: Promise<JobResult>): Promise<JobResult | ApplicationFailure> {
  return p.catch((err: unknown) => err as ApplicationFailure);
}

describe('JobRun: intents that always need input', () => {
  it('asks first (waiting-input, nothing upstream), then presses and submits the modal back to back', async () => {
    const host = new FakeHost('mj-job-vr', modalUpstream());
    const run = new JobRun(varyRegion(), host);
    const done = settle(run.run());
    await host.until(() => run.phase === 'waiting-input', 'waiting-input');
    expect(host.calls).toEqual([]);
    expect(run.progress().waitingFor).toMatchObject({ kind: 'modal', needs: ['prompt', 'mask'] });
    expect(run.progress().waitingFor?.taskId).toBeUndefined();
    expect(host.published.at(-1)?.memo).toMatchObject({
      phase: 'waiting-input',
      waitingFor: { needs: ['prompt', 'mask'] },
    });

    run.validateModalInput({ prompt: 'a hat', mask: MASK });
    const ack = await run.provideModalInput({ prompt: 'a hat', mask: MASK });
    expect(ack).toEqual({ taskId: 'C1', accepted: true });
    const result = await done;
    expect(result).toMatchObject({ taskId: 'C1' });
    expect(host.calls).toEqual([`submit:${makeStateKey('mj-job-vr', 0)}`, 'modal:C1']);
    expect(host.activities.submitModal).toHaveBeenCalledWith(
      expect.objectContaining({ taskId: 'C1', input: { prompt: 'a hat', mask: MASK } })
    );
    expect(run.phase).toBe('succeeded');
  });

  it('with account slots, waits for the person before taking a slot, and holds it only for the upstream work', async () => {
    const host = new FakeHost('mj-job-vr-slots', modalUpstream());
    host.usesSlots = true;
    const run = new JobRun(varyRegion(), host);
    const done = settle(run.run());
    await host.until(() => run.phase === 'waiting-input', 'waiting-input');
    expect(host.calls).toEqual([]);
    await run.provideModalInput({ prompt: 'a hat', mask: MASK });
    await done;
    expect(host.calls).toEqual([
      'slot:acquire',
      `submit:${makeStateKey('mj-job-vr-slots', 0)}`,
      'modal:C1',
      'slot:release',
    ]);
  });

  it('submits input given in advance straight through, without asking', async () => {
    const host = new FakeHost('mj-job-given', modalUpstream());
    const run = new JobRun(varyRegion({ modal: { prompt: 'a hat', mask: MASK } }), host);
    await run.run();
    expect(host.calls).toEqual([`submit:${makeStateKey('mj-job-given', 0)}`, 'modal:C1']);
    expect(host.published.map((p) => p.memo.phase)).not.toContain('waiting-input');
  });

  it('submits the input as soon as a MODAL shows, also when the upstream answered code 1', async () => {
    const host = new FakeHost('mj-job-21to1', modalUpstream({ submitKind: 'accepted' }));
    const run = new JobRun(varyRegion({ modal: { prompt: 'a hat', mask: MASK } }), host);
    await run.run();
    expect(host.calls).toEqual([`submit:${makeStateKey('mj-job-21to1', 0)}`, 'modal:C1']);
  });

  it('fails pre-supplied input that breaks the rule before anything is pressed, naming the field', async () => {
    const host = new FakeHost('mj-job-bad');
    const err = (await settle(
      new JobRun(varyRegion({ modal: { prompt: 'a hat' } }), host).run()
    )) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.validation);
    expect(readRejection(err)).toMatchObject({ field: 'modal.mask', rule: 'required' });
    expect(host.calls).toEqual([]);
  });

  it('rejects input with structured details while not waiting, and bad input while waiting', async () => {
    const host = new FakeHost('mj-job-rej', modalUpstream());
    const run = new JobRun(varyRegion(), host);
    const notWaiting = catchSync(() => run.validateModalInput({ prompt: 'x', mask: MASK }));
    expect(notWaiting.type).toBe(MODAL_INPUT_REJECTION.notWaiting);
    expect(readRejection(notWaiting)).toMatchObject({ field: 'jobId', rule: 'not-waiting', phase: 'submitting' });
    const done = settle(run.run());
    await host.until(() => run.phase === 'waiting-input', 'waiting-input');
    const bad = catchSync(() => run.validateModalInput({ prompt: 'x' }));
    expect(bad.type).toBe(MODAL_INPUT_REJECTION.invalid);
    expect(readRejection(bad)).toEqual({ field: 'mask', rule: 'required', phase: 'waiting-input' });
    // The parameter rules of src/mj/params run on a person's prompt: `--cref` does not work with V7.
    const calls = [...host.calls];
    const refused = catchSync(() =>
      run.validateModalInput({ prompt: 'x --cref https://example.com/c.png --v 7', mask: MASK })
    );
    expect(refused.type).toBe(MODAL_INPUT_REJECTION.invalid);
    expect(refused.message).toContain('--cref');
    expect(readRejection(refused)).toEqual({
      field: 'prompt',
      rule: 'cref-version',
      param: '--cref',
      phase: 'waiting-input',
    });
    expect(host.calls).toEqual(calls);
    expect(() =>
      run.validateModalInput({ prompt: 'x --oref https://example.com/o.png --v 7', mask: MASK })
    ).not.toThrow();
    await run.provideModalInput({ prompt: 'x', mask: MASK });
    await done;
  });

  it('takes a second answer handed over before the refusal of the first (replay order), and submits it', async () => {
    // On replay sdk-core may deliver an update before a result of the same workflow task. Here the person's second
    // answer arrives while the first one's modal submit is still out; its refusal must not clear the second answer.
    const up = modalUpstream();
    let refuseFirst!: (err: unknown) => void;
    const host = new FakeHost('mj-job-order', {
      ...up,
      submitModal: (i: { taskId: string; input: { prompt?: string } }) =>
        i.input.prompt === 'banned words' ? new Promise((_, reject) => (refuseFirst = reject)) : up.submitModal(i),
    });
    const run = new JobRun(varyRegion(), host);
    const done = settle(run.run());
    await host.until(() => run.phase === 'waiting-input', 'waiting-input');
    const first = run.provideModalInput({ prompt: 'banned words', mask: MASK }).catch((e: unknown) => e);
    await host.until(() => refuseFirst !== undefined, 'first modal submit sent');
    expect(run.canTakeModalInput()).toBe(false);
    const second = run.provideModalInput({ prompt: 'a hat', mask: MASK });
    refuseFirst(mjFailure(MJ_ERROR_CODE.bannedPrompt, {}, 'MjBannedPromptError'));
    expect(readRejection((await first) as ApplicationFailure)).toMatchObject({ field: 'prompt', rule: 'banned' });
    expect(await second).toEqual({ taskId: 'C1', accepted: true });
    expect(await done).toMatchObject({ taskId: 'C1' });
    expect(host.activities.submitModal).toHaveBeenLastCalledWith(
      expect.objectContaining({ taskId: 'C1', input: { prompt: 'a hat', mask: MASK } })
    );
  });

  it('ends with ModalExpired when nobody answers before modalTimeout, having pressed nothing', async () => {
    const host = new FakeHost('mj-job-exp');
    const run = new JobRun(varyRegion({ policy: { ...FAST, modalTimeout: '1h' } }), host);
    const err = (await settle(run.run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.modalExpired);
    expect(host.calls).toEqual([]);
  });
});

describe('JobRun: MODALs nobody asked for', () => {
  const variation = (extra: Partial<JobInput> = {}): JobInput => ({
    request: { kind: 'action', parentTaskId: 'P1', intent: { kind: 'variation', index: 2 } },
    policy: FAST,
    captureImages: false,
    ...extra,
  });

  it("answers with the task's finalPrompt under remix: 'auto'", async () => {
    const host = new FakeHost('mj-job-auto', modalUpstream());
    await new JobRun(variation({ remix: 'auto' }), host).run();
    expect(host.activities.submitModal).toHaveBeenCalledWith(
      expect.objectContaining({ taskId: 'C1', input: { prompt: 'a fox, remixed' } })
    );
    expect(host.calls).toHaveLength(2);
  });

  it('waits for a person and submits on the same child while it is fresh', async () => {
    const host = new FakeHost('mj-job-ask', modalUpstream());
    const run = new JobRun(variation(), host);
    const done = settle(run.run());
    await host.until(() => run.phase === 'waiting-modal', 'waiting-modal');
    expect(run.progress().waitingFor).toMatchObject({ taskId: 'C1', needs: ['prompt'] });
    host.time += 10 * 60_000;
    await run.provideModalInput({ prompt: 'a fox in the snow' });
    await done;
    expect(host.calls).toEqual([`submit:${makeStateKey('mj-job-ask', 0)}`, 'modal:C1']);
  });

  it('presses the parent button again when the child aged past modalChildMaxAge, then submits at once', async () => {
    const host = new FakeHost('mj-job-old', modalUpstream({ childIds: ['C1', 'C2'] }));
    const run = new JobRun(variation(), host);
    const done = settle(run.run());
    await host.until(() => run.phase === 'waiting-modal', 'waiting-modal');
    host.time += 51 * 60_000;
    const ack = await run.provideModalInput({ prompt: 'a fox in the snow' });
    expect(ack.taskId).toBe('C2');
    await done;
    expect(host.calls).toEqual([
      `submit:${makeStateKey('mj-job-old', 0)}`,
      `submit:${makeStateKey('mj-job-old', 1)}`,
      'modal:C2',
    ]);
  });

  it('presses again when the child turned FAILURE while the person thought', async () => {
    const up = modalUpstream({ childIds: ['C1', 'C2'] });
    let answered = false;
    const host: FakeHost = new FakeHost('mj-job-failed', {
      ...up,
      fetchTask: async (i: { taskId: string }): Promise<TaskSnapshot> =>
        i.taskId === 'C1' && answered ? snapshot('C1', 'FAILURE') : up.fetchTask(i),
    });
    const run = new JobRun(variation(), host);
    const done = settle(run.run());
    await host.until(() => run.phase === 'waiting-modal', 'waiting-modal');
    answered = true;
    await run.provideModalInput({ prompt: 'p' });
    await done;
    expect(host.calls.filter((c) => c.startsWith('modal:'))).toEqual(['modal:C2']);
  });
});

describe('JobRun: typed failures', () => {
  it('fails an external parent the upstream does not know at once with ParentTaskNotFound', async () => {
    const host = new FakeHost('mj-job-ext', {
      submitTask: () => Promise.reject(mjFailure(MJ_ERROR_CODE.taskNotFound, {}, 'MjTaskNotFoundError')),
    });
    const input: JobInput = {
      request: {
        kind: 'action',
        parentTaskId: '1234567890123456',
        intent: { kind: 'upscale', index: 1 },
        parentOrigin: 'external',
      },
      captureImages: false,
    };
    const err = (await settle(new JobRun(input, host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.parentNotFound);
    expect(err.message).toContain('1234567890123456');
    expect(readRejection(err)).toEqual({ field: 'parentTaskId', rule: 'exists', taskId: '1234567890123456' });
    expect(host.activities.submitTask).toHaveBeenCalledTimes(1);
  });

  it('retries a parent of our own jobs a few times before ParentUnavailable', async () => {
    const host = new FakeHost('mj-job-own', {
      submitTask: () => Promise.reject(mjFailure(MJ_ERROR_CODE.taskNotFound, {}, 'MjTaskNotFoundError')),
    });
    const input: JobInput = {
      request: { kind: 'action', parentTaskId: 'P', intent: { kind: 'upscale', index: 1 } },
      captureImages: false,
    };
    const err = (await settle(new JobRun(input, host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.parentUnavailable);
    expect(host.activities.submitTask).toHaveBeenCalledTimes(4);
  });

  it("maps the gateway's one-hour timeout to GatewayTimeout, not UpstreamTimeout", async () => {
    const host = new FakeHost('mj-job-gw', {
      submitTask: async () => ({ kind: 'accepted', taskId: 'T1' }),
      fetchTask: async () =>
        snapshot('T1', 'FAILURE', {
          failReason: '上游任务超时（超过1小时）',
          failKind: 'gateway-timeout',
          progress: '100%',
        }),
    });
    const run = new JobRun({ request: { kind: 'imagine', prompt: 'a fox' }, policy: FAST }, host);
    const err = (await settle(run.run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.gatewayTimeout);
    await run.fail(err);
    expect(host.published.at(-1)?.memo).toMatchObject({ phase: 'failed', failureType: 'GatewayTimeout', taskId: 'T1' });
  });
});

describe('JobRun: readers', () => {
  it('publishes a memo at each reader-visible change with a growing sequence, and Markdown details', async () => {
    let n = 0;
    const host = new FakeHost('mj-job-memo', {
      submitTask: async () => ({ kind: 'accepted', taskId: 'T9' }),
      fetchTask: async () =>
        ++n < 3 ? snapshot('T9', 'IN_PROGRESS', { progress: `${n * 30}%` }) : snapshot('T9', 'SUCCESS'),
    });
    await new JobRun(
      { request: { kind: 'imagine', prompt: 'a *bold* fox' }, policy: FAST, captureImages: false },
      host
    ).run();
    const seqs = host.published.map((p) => p.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const phases = host.published.map((p) => p.memo.phase);
    // A submit that gets through at once is published once, as accepted (JOB_PATCH.jobCost).
    expect(phases[0]).toBe('queued');
    expect(phases).not.toContain('submitting');
    expect(phases.at(-1)).toBe('succeeded');
    expect(phases).toContain('running');
    const last = host.published.at(-1)!;
    expect(last.memo).toMatchObject({ v: 1, kind: 'imagine', prompt: 'a *bold* fox', taskId: 'T9', status: 'SUCCESS' });
    expect(last.details).toContain('**succeeded**');
    expect(last.details).toContain('a \\*bold\\* fox');
    expect(host.keywords.get('MjTaskId')).toBe('T9');
  });
});

function catchSync(fn: () => void): ApplicationFailure {
  try {
    fn();
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error('expected a rejection');
}

describe('JobRun: what a job costs (JOB_PATCH.jobCost)', () => {
  it('sends mode and action with the task id in one upsert, not in a command of their own', async () => {
    const host = new FakeHost('mj-job-cost-upsert', {
      submitTask: async () => ({ kind: 'accepted', taskId: 'T1' }),
      fetchTask: async () => snapshot('T1', 'SUCCESS'),
    });
    await new JobRun({ request: { kind: 'imagine', prompt: 'p' }, policy: FAST, captureImages: false }, host).run();
    expect(host.patchesAsked).toContain(JOB_PATCH.currentPaths);
    expect([...host.upserts[0]!].sort()).toEqual(['MjAction', 'MjMode', 'MjTaskId']);
    expect(host.keywords.get('MjMode')).toBe('FAST');
  });

  it('keeps a webhook that beat the submit answer, so the first wait is already the safety net', async () => {
    const holder: { run?: JobRun } = {};
    const host = new FakeHost('mj-job-cost-early', {
      submitTask: async () => {
        holder.run!.onTaskChanged({ taskId: 'T2', status: 'SUBMITTED', progress: '0%' });
        return { kind: 'accepted', taskId: 'T2' };
      },
      fetchTask: async () => snapshot('T2', 'SUCCESS'),
    });
    const run = new JobRun({ request: { kind: 'imagine', prompt: 'p' }, policy: FAST, captureImages: false }, host);
    holder.run = run;
    await run.run();
    expect(run.hooked).toBe(true);
    // maxInterval 2 s → safety net 6 × 2 s, jittered downwards only (the fake's random is 0.5, jitter 15 %).
    expect(host.waits[0]).toBe(12_000 * (1 - 0.15 * 0.5));
    expect(host.activities.fetchTask).toHaveBeenCalledTimes(1);
  });

  it('without webhooks, the first wait stays the short one of the polling ramp', async () => {
    const host = new FakeHost('mj-job-cost-poll', {
      submitTask: async () => ({ kind: 'accepted', taskId: 'T3' }),
      fetchTask: async () => snapshot('T3', 'SUCCESS'),
    });
    await new JobRun({ request: { kind: 'imagine', prompt: 'p' }, policy: FAST, captureImages: false }, host).run();
    expect(host.waits[0]).toBe(1_000);
  });
});
