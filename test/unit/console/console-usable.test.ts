/**
 * The console's pure parts that make jobs tell apart and link: labels from the intent catalogue, the family a card
 * borrows from (prompt, thumbnail, parent), lineage from ids, sign-in's `next`, cost notes, the painter's zoom.
 */
import type { MjJobsClient } from '../../../src/client';
import type { ConsoleJob } from '../../../src/console/backend';
import { UNROUTED_COST_NOTE, unpricedNote, withJobCost } from '../../../src/console/cost-view';
import { lineageOf, withFamily } from '../../../src/console/family';
import { batchTitle, consoleButton, intentLabel, jobLabel } from '../../../src/console/job-view';
import { buttonText, jobHeading, shortPrompt } from '../../../src/console/pages/format';
import { safeNext } from '../../../src/console/router';
import { fitZoom, stepZoom, ZOOM_STEPS } from '../../../src/console/static/mask-raster.js';
import { JOB_MEMO_KEY } from '../../../src/shared/job-memo';

function job(id: string, extra: Partial<ConsoleJob> = {}): ConsoleJob {
  return {
    id,
    kind: 'job',
    state: 'succeeded',
    title: 'Imagine',
    label: 'Imagine',
    progressPct: 100,
    submitTime: 1,
    images: [],
    buttons: [],
    ...extra,
  };
}

describe('one vocabulary: the intent catalogue’s labels', () => {
  test('an action by its intent’s label, any other job by its kind’s action', () => {
    expect(jobLabel('action', 'UPSCALE', 'U1')).toBe('Upscale 1');
    expect(jobLabel('action', undefined, 'vary-region')).toBe('Vary (Region)');
    expect(jobLabel('imagine', 'IMAGINE')).toBe('Imagine');
    expect(jobLabel('edits', undefined)).toBe('Edit');
    expect(jobLabel(undefined, 'DESCRIBE')).toBe('Describe');
    expect(jobLabel(undefined, undefined)).toBe('Job');
    expect(intentLabel('zoom-out 2')).toBe('Zoom Out 2x');
    expect(intentLabel(undefined)).toBeUndefined();
  });

  test('a button shows the catalogue’s label; an unknown one keeps the upstream’s', () => {
    const u1 = consoleButton({ customId: 'MJ::JOB::upsample::1::abc', emoji: '', label: 'U1' });
    expect(buttonText(u1)).toEqual({ emoji: '', label: 'Upscale 1', title: 'Upscale 1 (U1 on the upstream)' });
    const odd = consoleButton({ customId: 'MJ::Something::new::abc', emoji: '🆕', label: 'New thing' });
    expect(buttonText(odd).label).toBe('New thing');
  });

  test('a heading is kind and prompt, never a workflow id; a batch is named by its size', () => {
    expect(jobHeading({ label: 'Upscale 1', prompt: 'a fox', title: 'a fox' })).toBe('Upscale 1 · a fox');
    expect(jobHeading({ label: 'Imagine', title: 'Imagine' })).toBe('Imagine');
    expect(batchTitle(undefined, 3)).toBe('Batch of 3 prompts');
    expect(batchTitle('nightly', 3)).toBe('Batch nightly');
    expect(shortPrompt('a'.repeat(10))).toBe('a'.repeat(10));
    expect(shortPrompt('one two three four five six seven eight nine ten eleven twelve', 30)).toBe(
      'one two three four five six…'
    );
  });
});

describe('family: what a card borrows from its parent', () => {
  const grid = job('g', { prompt: 'a red fox', title: 'a red fox', taskId: 'T1', images: [0, 1, 2, 3, 4] });

  test('an action gets its root’s prompt and its parent’s image, found by lineage in the page', async () => {
    const lookup = jest.fn(async () => null);
    const up = job('u', { label: 'Upscale 1', title: 'Upscale 1', lineage: { parentJobId: 'g' }, taskId: 'T2' });
    const vary = job('v', { label: 'Vary (Region)', title: 'Vary (Region)', state: 'waiting', parentTaskId: 'T2' });
    const [, u, v] = await withFamily([grid, up, vary], lookup);
    expect(u).toMatchObject({ prompt: 'a red fox', title: 'a red fox', thumbJobId: 'g', parent: { id: 'g' } });
    // No lineage: the parent by its upstream task id; its image is the upscale's parent's until it has its own.
    expect(v).toMatchObject({
      prompt: 'a red fox',
      thumbJobId: 'g',
      parent: { id: 'u' },
      lineage: { parentJobId: 'u' },
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  test('a parent outside the page is looked up once; a job with its own image keeps it', async () => {
    const lookup = jest.fn(async () => grid);
    const a = job('a', { state: 'waiting', lineage: { parentJobId: 'g' } });
    const b = job('b', { state: 'waiting', lineage: { parentJobId: 'g' } });
    const own = job('c', { images: [0], prompt: 'own', lineage: { parentJobId: 'g' } });
    const [ja, jb, jc] = await withFamily([a, b, own], lookup);
    expect([ja!.thumbJobId, jb!.thumbJobId, jc!.thumbJobId]).toEqual(['g', 'g', 'c']);
    expect(jc!.parent).toBeUndefined();
    expect(lookup).toHaveBeenCalledTimes(1);
    const [linked] = await withFamily([own], lookup, { linkParents: true });
    expect(linked!.parent).toMatchObject({ id: 'g', label: 'Imagine' });
  });

  test('a pipeline’s or batch’s job links to it by its id', () => {
    expect(lineageOf({ id: 'mj-batch-x/item-2', kind: 'job' })).toEqual({
      batchId: 'mj-batch-x',
      batchItemId: 'item-2',
    });
    expect(lineageOf({ id: 'mj-pipeline-p/ups/U1', kind: 'job' })).toEqual({ pipelineId: 'mj-pipeline-p' });
    expect(lineageOf({ id: 'mj-job-1', kind: 'job' })).toBeUndefined();
  });
});

describe('sign-in’s next: a path of this console, nothing else', () => {
  test.each([
    ['/console/spend', '/console/spend'],
    ['/console/jobs?state=failed', '/console/jobs?state=failed'],
    ['/console/a/../spend', '/console/spend'],
  ])('%s is kept', (next, kept) => expect(safeNext('/console', next)).toBe(kept));

  test.each([
    '//evil.example/console/jobs',
    'https://evil.example/console/jobs',
    '/console\\/evil.example',
    '/\\evil.example',
    '/console/../evil',
    '/consolex/jobs',
    '/console/sign-in',
    'javascript:alert(1)',
    '/console/jobs\n',
    '',
    null,
  ])('%p is refused', (next) => expect(safeNext('/console', next)).toBeUndefined());
});

describe('cost: why it is not known', () => {
  test('an unrouted job says where prices are set; an unpriced one names the upstream, action and mode', async () => {
    const mj = {
      cost: {
        chargesOf: async (ids: string[]) => [
          { jobId: ids[0], price: 0, currency: 'USD', action: 'UPSCALE', mode: 'FAST' },
        ],
      },
    } as unknown as MjJobsClient;
    const plain = await withJobCost(mj, { workflowId: 'j', memo: {} }, job('j', { taskId: 'T1' }));
    expect(plain.costNote).toBe(UNROUTED_COST_NOTE);
    expect(UNROUTED_COST_NOTE).toContain('docs/ledger.md');
    const owner = { upstreamId: 'cheap', taskId: 'T1', mode: 'FAST' };
    const zero = await withJobCost(mj, { workflowId: 'j', memo: { [JOB_MEMO_KEY]: { owner } } }, job('j'));
    expect(zero.cost?.amount).toBe(0);
    expect(zero.costNote).toBe(unpricedNote('cheap', 'UPSCALE', 'FAST'));
    expect(zero.costNote).toContain('prices.byAction.UPSCALE.FAST');
  });
});

describe('painter zoom', () => {
  test('fit fills the room without overflowing; steps go up and down and stop at the ends', () => {
    expect(fitZoom(256, 256, 800, 600)).toBeCloseTo(600 / 256);
    expect(fitZoom(2048, 1024, 800, 600)).toBeCloseTo(800 / 2048);
    expect(fitZoom(0, 256, 800, 600)).toBe(1);
    expect(stepZoom(1, 1)).toBe(1.25);
    expect(stepZoom(1.1, -1)).toBe(1);
    expect(stepZoom(8, 1)).toBe(8);
    expect(stepZoom(ZOOM_STEPS[0]!, -1)).toBe(ZOOM_STEPS[0]);
  });
});
