import { batchDetails, pipelineDetails } from '../../../src/workflows/common/web-ui-details';
import type { BatchProgress, PipelineProgress } from '../../../src/shared/pipeline-types';

describe('Web UI details of pipelines and batches', () => {
  it('a pipeline: counts, the branches waiting for a person with what they need, the failed ones', () => {
    const p: PipelineProgress = {
      name: 'cat',
      pipelineId: 'mj-pipeline-cat',
      done: false,
      running: 1,
      waiting: ['region/U2'],
      summary: { total: 4, succeeded: 2, failed: 1, skipped: 0, cancelled: 0, jobsStarted: 3 },
      steps: [
        {
          step: 'region',
          kind: 'action',
          branches: [
            {
              branch: 'U2',
              status: 'waiting-input',
              jobId: 'j1',
              waitingFor: { kind: 'modal', needs: ['prompt', 'mask'], intent: 'vary-region' },
            },
            { branch: 'U3', status: 'failed', jobId: 'j2', failure: { type: 'BannedPrompt', message: 'no' } },
          ],
        },
      ],
    };
    const md = pipelineDetails(p);
    expect(md).toContain('**Pipeline** cat — running');
    expect(md).toContain('2 succeeded, 1 failed, 0 skipped, 0 cancelled of 4; 1 running, 3 jobs started');
    expect(md).toContain('- `region/U2`: vary-region needs prompt + mask');
    expect(md).toContain('- `region/U3`: BannedPrompt');
  });

  it('a batch: counts and at most ten failed items listed', () => {
    const items = Array.from({ length: 12 }, (_, i) => ({
      id: `item-${i + 1}`,
      status: 'failed' as const,
      jobId: `j${i}`,
      failure: { type: 'UpstreamFailure', message: 'x' },
    }));
    const b: BatchProgress = {
      batchId: 'mj-batch-1',
      done: true,
      total: 12,
      pending: 0,
      running: 0,
      succeeded: 0,
      failed: 12,
      cancelled: 0,
      maxRunningPerGroup: 2,
      groups: [],
      items,
    };
    const md = batchDetails(b, 0, 120_000);
    expect(md).toContain('**Batch** — done');
    expect(md).toContain('0/12 done · 12 failed · 0 running · 0 waiting · 6.0/min · took 2m 00s');
    expect(md).toContain('- `item-10`: UpstreamFailure');
    expect(md).not.toContain('item-11');
    expect(md).toContain('… and 2 more');
  });
});
