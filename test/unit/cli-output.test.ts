/**
 * The CLI's renderings of a job read a describe's or shorten's result text from what the upstream reported, and
 * name our stored copies of result images, an upstream URL only when no copy was stored, labelled.
 */
import { UPSTREAM_URL_LABEL } from '../../src/client';
import { describeBatch, describePipeline, describeResult, describeStatus } from '../../src/cli/output';
import type { BatchReport, JobSummary, PipelineResult } from '../../src/shared/pipeline-types';
import type { AssetRef, CapturedImage, JobProgress, JobResult } from '../../src/shared/types';
import { snapshot } from '../helpers/job-run-host';
import { closedJobProgress } from '../../src/client/job-status';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION, type JobMemo } from '../../src/shared/job-memo';
import { promptProvenance } from '../../src/shared/prompt-provenance';

const PROMPTS = '1️⃣ a fox\n\n2️⃣ a hare';
const locate = (ref: AssetRef | string) => `/data/assets/${typeof ref === 'string' ? ref : ref.key}`;
const UPSTREAM = 'https://cdn.example/attachments/grid.png?ex=6a1b2c3d';

function asset(key: string): AssetRef {
  return { key, sha256: 'a'.repeat(64), size: 10, contentType: 'image/png' };
}

function captured(prefix: string, n: number): CapturedImage[] {
  return Array.from({ length: n }, (_, index) => ({
    asset: asset(`${prefix}-${index}.png`),
    index,
    sourceUrl: UPSTREAM,
  }));
}

function summary(images: CapturedImage[]): JobSummary {
  const base = { taskId: 'T', action: 'IMAGINE', status: 'SUCCESS', prompt: 'p', finalPrompt: 'p', videoUrl: null };
  return { ...base, imageUrl: UPSTREAM, imageUrls: [], images };
}

describe('CLI output', () => {
  it("shows a describe result's text, and none for an imagine", () => {
    const result = (action: string, extra: Parameters<typeof snapshot>[2]): JobResult => ({
      taskId: 'T1',
      task: snapshot('T1', 'SUCCESS', { action, ...extra }),
      images: [],
      timings: { startedAt: 1_000 },
      submits: 1,
      fetches: 1,
    });
    expect(describeResult('j1', result('DESCRIBE', { prompt: '', promptEn: 'a fox\r\na hare' }), locate)).toContain(
      '  text: a fox\r\na hare'
    );
    expect(describeResult('j1', result('DESCRIBE', { finalPrompt: PROMPTS }), locate)).toContain(`  text: ${PROMPTS}`);
    expect(describeResult('j1', result('IMAGINE', { finalPrompt: 'a fox' }), locate)).not.toContain('text:');
  });

  it("shows a finished shorten's text in its status", () => {
    const progress: JobProgress = {
      phase: 'succeeded',
      mode: 'FAST',
      action: 'SHORTEN',
      progressPct: 100,
      previewUrl: null,
      buttons: [],
      timings: { startedAt: 1_000 },
      submits: 1,
      fetches: 1,
      wakeups: 0,
      reported: { prompt: 'a very long fox', finalPrompt: '## Shortened prompts\n1️⃣ a fox' },
    };
    const text = describeStatus({ kind: 'job', jobId: 'j1', executionStatus: 'COMPLETED', progress, source: 'closed' });
    expect(text).toContain('  text: ## Shortened prompts\n1️⃣ a fox');
  });

  it("names a job's stored copy, not the expiring upstream URL; the URL only when nothing was stored, labelled", () => {
    const job = (images: CapturedImage[]): JobResult => ({
      taskId: 'T1',
      task: snapshot('T1', 'SUCCESS', { action: 'IMAGINE', imageUrl: UPSTREAM }),
      images,
      timings: { startedAt: 1_000 },
      submits: 1,
      fetches: 1,
    });
    const stored = describeResult('j1', job(captured('images/j1/grid', 5)), locate);
    expect(stored).toContain('  image: /data/assets/images/j1/grid-0.png (+4 more stored)');
    expect(stored).not.toContain(UPSTREAM);
    expect(describeResult('j1', job([]), locate)).toContain(`  image: ${UPSTREAM} ${UPSTREAM_URL_LABEL}`);
  });

  it('a pipeline summary prints each branch’s stored copy', () => {
    const r: PipelineResult = {
      name: 'grid',
      pipelineId: 'mj-pipeline-p',
      summary: { total: 2, succeeded: 2, failed: 0, skipped: 0, cancelled: 0, jobsStarted: 2 },
      outcomes: [
        { step: 'grid', branch: 'main', status: 'succeeded', jobId: 'p/grid/main', result: summary(captured('g', 5)) },
        { step: 'ups', branch: 'U2', status: 'succeeded', jobId: 'p/ups/U2', result: summary([]) },
      ],
    };
    const text = describePipeline(r, locate);
    expect(text).toContain('  grid/main: succeeded /data/assets/g-0.png (+4 more stored)');
    expect(text).toContain(`  ups/U2: succeeded ${UPSTREAM} ${UPSTREAM_URL_LABEL}`);
  });

  it('a batch summary prints each item’s stored copy', () => {
    const r: BatchReport = {
      batchId: 'mj-batch-b',
      summary: { total: 3, succeeded: 2, failed: 1, cancelled: 0 },
      items: [
        { id: 'fox', index: 0, status: 'succeeded', jobId: 'b/fox', images: [{ asset: asset('f.png') }] },
        { id: 'hare', index: 1, status: 'succeeded', jobId: 'b/hare', images: [{ url: UPSTREAM }] },
        {
          id: 'owl',
          index: 2,
          status: 'failed',
          jobId: 'b/owl',
          images: [],
          failure: { type: 'Banned', message: 'no' },
        },
      ],
    };
    expect(describeBatch(r, locate).split('\n')).toEqual([
      'batch mj-batch-b: 2/3 succeeded, 1 failed, 0 cancelled',
      '  fox: succeeded /data/assets/f.png',
      `  hare: succeeded ${UPSTREAM} ${UPSTREAM_URL_LABEL}`,
      '  owl: failed (Banned)',
    ]);
  });

  it("shows what a job's prompt asked for in its status, from the memo of a closed job", async () => {
    const prompt = 'https://example.com/a.png a fox --ar 3:2 --no cars, trees --tile --sref 12 --v 6.1';
    // A closed job's handle: its result from history (an imagine that succeeded).
    const handle = {
      result: async (): Promise<JobResult> => ({
        taskId: 'T1',
        task: snapshot('T1', 'SUCCESS', { action: 'IMAGINE' }),
        images: [],
        timings: { startedAt: 1_000 },
        submits: 1,
        fetches: 1,
      }),
    } as unknown as Parameters<typeof closedJobProgress>[0];
    const progress = await closedJobProgress(handle, {
      status: { name: 'COMPLETED' },
      startTime: new Date(1_000),
      memo: { [JOB_MEMO_KEY]: memoWith(prompt) },
    });
    const text = describeStatus({ kind: 'job', jobId: 'j1', executionStatus: 'COMPLETED', progress, source: 'closed' });
    expect(text).toContain('  model: 6.1\n  params: aspect=3:2 no=cars,trees tile=on sref=12\n');
    expect(text).toContain('  image-prompt: https://example.com/a.png\n  sref: 12');
  });
});

function memoWith(prompt: string): JobMemo {
  return {
    v: JOB_MEMO_VERSION,
    phase: 'succeeded',
    kind: 'imagine',
    mode: 'FAST',
    submitTime: 1_000,
    prompt,
    provenance: promptProvenance(prompt),
  };
}
