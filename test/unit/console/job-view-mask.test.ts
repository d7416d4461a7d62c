import { PNG } from 'pngjs';
import sharp from 'sharp';
import { ImageInputError } from '../../../src/assets';
import {
  consoleButton,
  jobFromMemo,
  jobFromResult,
  overlayProgress,
  phaseState,
  type ExecutionFacts,
} from '../../../src/console/job-view';
import { checkMask, maskBytes } from '../../../src/console/mask';
import { parentJobId, pipelineInboxItems } from '../../../src/console/pipeline-view';
import { buttonText } from '../../../src/console/pages/format';
import type { JobMemo } from '../../../src/shared/job-memo';
import type { PipelineInput, PipelineProgress } from '../../../src/shared/pipeline-types';
import { bombPng } from '../../helpers/bomb-png';
import type { JobProgress, JobResult } from '../../../src/shared/types';
import { MjInputError } from '../../../src/mj/errors';

const facts = (executionStatus = 'RUNNING'): ExecutionFacts => ({
  id: 'mj-job-1',
  type: 'mjJobWorkflow',
  executionStatus,
  startTime: 1_000,
});

describe('job views', () => {
  test('phases map onto console states; phases a newer worker adds map by name', () => {
    expect(phaseState('submitting')).toBe('queued');
    expect(phaseState('waiting-modal')).toBe('waiting');
    expect(phaseState('waiting-input')).toBe('waiting');
    expect(phaseState('succeeded')).toBe('succeeded');
    expect(phaseState('something-new')).toBe('running');
  });
  test('buttons say what input they need; unknown buttons keep their customId', () => {
    expect(consoleButton({ customId: 'MJ::Inpaint::1::h::SOLO', emoji: '🖌️', label: 'Vary (Region)' })).toMatchObject({
      intent: 'vary-region',
      needs: ['prompt', 'mask'],
    });
    expect(consoleButton({ customId: 'MJ::CustomZoom::h', emoji: '🔍', label: 'Custom Zoom' }).needs).toEqual([
      'prompt',
    ]);
    expect(consoleButton({ customId: 'MJ::JOB::upsample::1::h', emoji: '', label: 'U1' })).toMatchObject({
      intent: 'U1',
      needs: [],
    });
    expect(consoleButton({ customId: 'MJ::Mystery::1', emoji: '', label: '' }).intent).toBeNull();
  });
  test('button text: the upstream label, a readable name when it is empty, no custom-emoji names', () => {
    const reroll = consoleButton({ customId: 'MJ::JOB::reroll::0::h::SOLO', emoji: '🔄', label: '' });
    expect(buttonText(reroll)).toEqual({ emoji: '🔄', label: 'Reroll', title: 'Reroll' });
    const hd = consoleButton({
      customId: 'MJ::JOB::upsample_v6_2x_subtle::1::h::SOLO',
      emoji: 'upscale_1',
      label: 'Upscale (Subtle)',
    });
    expect(buttonText(hd).emoji).toBe('');
  });
  test("the memo's progress text becomes a percentage, decimals included", () => {
    expect(jobFromMemo(facts(), { ...memo, phase: 'running', progress: '46.5%' }).progressPct).toBe(46.5);
    expect(jobFromMemo(facts(), { ...memo, phase: 'running', progress: 'Waiting to start' }).progressPct).toBeNull();
  });
  const memo: JobMemo = {
    v: 1,
    phase: 'submitting',
    kind: 'action',
    intent: 'U1',
    mode: 'FAST',
    prompt: 'a cat',
    submitTime: 1_000,
    buttons: [{ customId: 'MJ::JOB::upsample::1::h', emoji: '', label: 'U1' }],
    assets: [
      { index: 1, key: 'b' },
      { index: 0, key: 'a' },
    ],
  };
  test('a memo gives prompt, intent, buttons and images', () => {
    const job = jobFromMemo(facts(), memo);
    expect(job).toMatchObject({ state: 'queued', title: 'a cat', intent: 'U1', images: [0, 1] });
    expect(job.buttons[0]!.intent).toBe('U1');
    expect(jobFromMemo(facts('FAILED'), memo).state).toBe('failed');
  });
  test('a running job: the progress query overlays the (possibly stale) memo', () => {
    const p: JobProgress = {
      phase: 'running',
      taskId: 't1',
      status: 'IN_PROGRESS',
      progressPct: 46,
      previewUrl: null,
      mode: 'FAST',
      buttons: [],
      timings: { startedAt: 1_000, firstProgressAt: 2_000 },
      submits: 1,
      fetches: 2,
      wakeups: 3,
    };
    expect(overlayProgress(jobFromMemo(facts(), memo), p)).toMatchObject({
      state: 'running',
      status: 'IN_PROGRESS',
      progressPct: 46,
      taskId: 't1',
      title: 'a cat',
      intent: 'U1',
      startTime: 2_000,
    });
  });
  test('a result uses the workflow clock for its times', () => {
    const r = {
      taskId: 't',
      task: {
        prompt: 'p',
        action: 'IMAGINE',
        status: 'SUCCESS',
        mode: 'FAST',
        parentId: null,
        buttons: [],
        startTime: 9e12,
        finishTime: 9e12,
      },
      images: [{ index: 0, asset: { key: 'k' }, sourceUrl: '' }],
      timings: { startedAt: 1_000, submittedAt: 1_100, firstProgressAt: 1_500, finishedAt: 3_000 },
      submits: 1,
      fetches: 1,
    } as unknown as JobResult;
    expect(jobFromResult(facts('COMPLETED'), r)).toMatchObject({ startTime: 1_500, finishTime: 3_000, images: [0] });
  });
});

describe('pipeline inbox', () => {
  const input = {
    name: 'cat',
    steps: [
      { id: 'grid', kind: 'entry', request: { kind: 'imagine', prompt: 'a cat' } },
      { id: 'ups', kind: 'action', from: 'grid', intents: [], input: { kind: 'none' } },
      { id: 'zoom', kind: 'action', from: 'ups', intents: [], input: { kind: 'none' } },
      { id: 'region', kind: 'action', from: 'ups', branches: ['U2'], intents: [], input: { kind: 'ask' } },
    ],
  } as unknown as PipelineInput;
  const progress = {
    name: 'cat',
    pipelineId: 'p',
    done: false,
    waiting: ['region/U2'],
    running: 0,
    summary: {},
    steps: [
      { step: 'grid', kind: 'entry', branches: [{ branch: 'main', status: 'succeeded', jobId: 'p/grid/main' }] },
      { step: 'ups', kind: 'action', branches: [{ branch: 'U2', status: 'succeeded', jobId: 'p/ups/U2' }] },
      { step: 'zoom', kind: 'action', branches: [{ branch: 'U2', status: 'running', jobId: 'p/zoom/U2' }] },
      {
        step: 'region',
        kind: 'action',
        branches: [
          {
            branch: 'U2',
            status: 'waiting-input',
            jobId: 'p/region/U2',
            intent: 'vary-region',
            waitingFor: { kind: 'modal', needs: ['prompt', 'mask'], intent: 'vary-region' },
          },
        ],
      },
    ],
  } as unknown as PipelineProgress;
  test('the parent of a waiting branch is the branch of its `from` step, not a namesake elsewhere', () => {
    expect(parentJobId(progress, input, 'region', 'U2')).toBe('p/ups/U2');
    expect(parentJobId(progress, undefined, 'region', 'U2')).toBeUndefined();
  });
  test('waiting branches become inbox items naming what they need', () => {
    const items = pipelineInboxItems({ ...facts(), id: 'p', type: 'pipelineWorkflow' }, progress, input);
    expect(items).toEqual([
      expect.objectContaining({
        targetId: 'p',
        step: 'region',
        branch: 'U2',
        kind: 'modal',
        needs: ['prompt', 'mask'],
        imageJobId: 'p/ups/U2',
      }),
    ]);
  });
});

describe('masks', () => {
  const png = (w: number, h: number, paint: (x: number, y: number) => [number, number, number, number]): Uint8Array => {
    const p = new PNG({ width: w, height: h });
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4;
        [p.data[i], p.data[i + 1], p.data[i + 2], p.data[i + 3]] = paint(x, y);
      }
    return PNG.sync.write(p);
  };
  const binary = png(8, 6, (x) => (x < 3 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
  test('a binary mask of the right size passes and counts its white pixels', async () => {
    await expect(checkMask(binary, { width: 8, height: 6 })).resolves.toEqual({ width: 8, height: 6, white: 18 });
    // Larger than one scan slice: the count runs over several turns of the event loop.
    const raw = Buffer.alloc(600 * 600 * 3);
    raw.fill(255, 0, 200 * 600 * 3);
    const big = await sharp(raw, { raw: { width: 600, height: 600, channels: 3 } })
      .png()
      .toBuffer();
    await expect(checkMask(big, { width: 600, height: 600 })).resolves.toEqual({
      width: 600,
      height: 600,
      white: 120_000,
    });
  });
  const refusal = async (fn: () => unknown): Promise<MjInputError> => {
    try {
      await fn();
    } catch (err) {
      return err as MjInputError;
    }
    throw new Error('not refused');
  };
  test('wrong size, grey or transparent pixels, all black and non-PNG are refused naming the mask', async () => {
    expect((await refusal(() => checkMask(binary, { width: 9, height: 6 }))).message).toMatch(/9×6/);
    expect((await refusal(() => checkMask(png(2, 2, () => [128, 128, 128, 255])))).field).toBe('mask');
    expect((await refusal(() => checkMask(png(2, 2, () => [255, 255, 255, 0])))).rule).toMatch(/opaque/);
    expect((await refusal(() => checkMask(png(2, 2, () => [0, 0, 0, 255])))).rule).toMatch(/all black/);
    expect((await refusal(() => checkMask(new Uint8Array([1, 2, 3])))).rule).toMatch(/PNG/);
    // A sound header over a body that is not PNG data: refused by the decoder, not thrown as ours.
    const garbled = Buffer.concat([Buffer.from(binary).subarray(0, 33), Buffer.alloc(40, 7)]);
    expect((await refusal(() => checkMask(garbled))).rule).toMatch(/pixel data/);
  });
  test('a header claiming 20000×20000 is refused from the header: nothing is decoded', async () => {
    const err = await refusal(() => checkMask(bombPng(), { width: 8, height: 6 }));
    expect(err).toBeInstanceOf(ImageInputError);
    expect(err).toMatchObject({ field: 'mask', check: 'image-pixels' });
    // Without the parent's size the pixel cap alone refuses it.
    expect(await refusal(() => checkMask(bombPng()))).toMatchObject({ check: 'image-pixels' });
  });
  test('the form gives the mask as a PNG data URL or a file', async () => {
    const url = `data:image/png;base64,${Buffer.from(binary).toString('base64')}`;
    expect(Buffer.from(maskBytes(url, [])!).equals(Buffer.from(binary))).toBe(true);
    expect(maskBytes(undefined, [binary])).toBe(binary);
    expect(maskBytes(undefined, [])).toBeUndefined();
    expect((await refusal(() => maskBytes('data:image/jpeg;base64,AAAA', []))).field).toBe('mask');
  });
});
