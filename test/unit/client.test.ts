/**
 * The client's parts that need no server: structured rejections (read from details, never from message text),
 * visibility queries, workflow ids, the memo reader and the images a download writes.
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { imagesOf } from '../../src/client/download';
import { isFullWorkflowId, newWorkflowId } from '../../src/client/job-ids';
import { jobMemoOf } from '../../src/client/job-status';
import { visibilityQuery } from '../../src/client/list';
import { InputRejectedError, updateRejection } from '../../src/client/rejections';
import { MjInputError } from '../../src/mj/errors';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION } from '../../src/shared/job-memo';

const noClient = {} as Client;

function refused(type: string, message: string, details?: unknown[]): WorkflowUpdateFailedError {
  return new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type, message, details }));
}

describe('updateRejection', () => {
  it('takes field, rule and phase from details[0], whatever the message says', async () => {
    const err = await updateRejection(
      noClient,
      'mj-job-x',
      refused('InvalidModalInput', 'the prompt field is wrong (not a word about masks)', [
        { field: 'mask', rule: 'png', phase: 'waiting-modal' },
      ])
    );
    expect(err).toBeInstanceOf(InputRejectedError);
    expect(err).toBeInstanceOf(MjInputError);
    expect(err).toMatchObject({
      field: 'mask',
      type: 'InvalidModalInput',
      code: 'MJ_INVALID_INPUT',
      details: { field: 'mask', rule: 'png', phase: 'waiting-modal' },
    });
    expect((err as MjInputError).rule).toContain('(png)');
  });

  it('a not-waiting rejection names the phase from the details', async () => {
    const err = await updateRejection(
      noClient,
      'mj-job-x',
      refused('NotWaitingForModalInput', 'phase text the client must not read', [
        { field: 'jobId', rule: 'not-waiting', phase: 'queued' },
      ])
    );
    expect(err).toMatchObject({ field: 'jobId', rule: 'must name a job waiting for input (it is queued)' });
  });

  it('a failure without details is passed on as it is', async () => {
    const original = refused('InvalidModalInput', 'mask must be a PNG');
    expect(await updateRejection(noClient, 'mj-job-x', original)).toBe(original);
  });
});

describe('visibilityQuery', () => {
  it('quotes every value, so a filter cannot widen the query', () => {
    const q = visibilityQuery({ status: 'SUCCESS" OR WorkflowType != "x', mode: 'RELAX' });
    expect(q).toBe(
      'WorkflowType = "mjJobWorkflow" AND MjStatus = "SUCCESS\\" OR WorkflowType != \\"x" AND MjMode = "RELAX"'
    );
  });
});

describe('workflow ids', () => {
  it('prefixes a caller key once, and knows a full id', () => {
    expect(newWorkflowId('job', 'order-1')).toBe('mj-job-order-1');
    expect(newWorkflowId('job', 'mj-job-order-1')).toBe('mj-job-order-1');
    expect(newWorkflowId('pipeline', 'p1')).toBe('mj-pipeline-p1');
    expect(newWorkflowId('batch', undefined)).toMatch(/^mj-batch-[0-9a-f-]{36}$/);
    expect(isFullWorkflowId('mj-pipeline-p1/zoom/U1')).toBe(true);
    expect(isFullWorkflowId('p1')).toBe(false);
    expect(isFullWorkflowId('1748339029401828')).toBe(false);
  });
});

describe('jobMemoOf', () => {
  it('reads a memo of the known version and ignores others', () => {
    const memo = { v: JOB_MEMO_VERSION, phase: 'failed', kind: 'imagine', mode: 'FAST', submitTime: 1 };
    expect(jobMemoOf({ [JOB_MEMO_KEY]: memo })).toEqual(memo);
    expect(jobMemoOf({ [JOB_MEMO_KEY]: { ...memo, v: 99 } })).toBeUndefined();
    expect(jobMemoOf(undefined)).toBeUndefined();
  });
});

describe('imagesOf', () => {
  const asset = { key: 'k', sha256: 'a'.repeat(64), size: 3, contentType: 'image/png' };
  it('prefers stored images, falls back to the result URL, and names pipeline and batch files', () => {
    const job = { task: { imageUrl: 'https://cdn.example/x.png' }, images: [{ asset, index: 1, sourceUrl: 'u' }] };
    expect(imagesOf(job)).toEqual([{ name: 'image-1', ref: { asset } }]);
    expect(imagesOf({ ...job, images: [] })).toEqual([{ name: 'image-0', ref: { url: 'https://cdn.example/x.png' } }]);
    const pipeline = { outcomes: [{ step: 'up', branch: 'U1', result: { images: [], imageUrl: 'https://c/u.png' } }] };
    expect(imagesOf(pipeline)).toEqual([{ name: 'up-U1-0', ref: { url: 'https://c/u.png' } }]);
    const batch = { items: [{ id: 'fox', images: [{ asset }] }] };
    expect(imagesOf(batch)).toEqual([{ name: 'fox-0', ref: { asset } }]);
  });
});
