/**
 * `JobRun` and its `patched()` ids without a server: a new run asks one marker (`JOB_PATCH.currentPaths`) that stands
 * for the job-cost, deadline and stub patches; a run recorded before it asks each of them as it did, and takes the
 * same decisions when they are present.
 */
import type { TaskSnapshot } from '../../../src/shared/types';
import { JobRun } from '../../../src/workflows/job/job-run';
import { JOB_PATCH } from '../../../src/workflows/job/patches';
import { FakeHost, snapshot } from '../../helpers/job-run-host';

const FAST = { initialInterval: '1s', maxInterval: '2s' } as const;
const imagine = { request: { kind: 'imagine' as const, prompt: 'p' }, policy: FAST, captureImages: false };

/** An upstream that answers a stub first, then a running task, then SUCCESS. */
function stubThenSuccess(taskId: string) {
  let fetches = 0;
  return {
    submitTask: async () => ({ kind: 'accepted' as const, taskId }),
    fetchTask: async (): Promise<TaskSnapshot & { stub?: boolean }> => {
      fetches++;
      if (fetches === 1) return { ...snapshot(taskId, 'SUBMITTED'), stub: true };
      if (fetches === 2) return snapshot(taskId, 'IN_PROGRESS', { progress: '40%' });
      return snapshot(taskId, 'SUCCESS');
    },
  };
}

async function runWith(host: FakeHost): Promise<{ run: JobRun; waits: number[] }> {
  const run = new JobRun(imagine, host);
  await run.run();
  return { run, waits: [...host.waits] };
}

describe('JobRun patches: one marker for a run on the current paths', () => {
  it('a new run asks only the current-paths marker, even through a stub and a deadline', async () => {
    const host = new FakeHost('mj-patch-current', stubThenSuccess('T1'));
    await runWith(host);
    // The seed read after SUCCESS came later than the current paths: every run that made images asks it.
    expect([...host.patchesAsked]).toEqual([JOB_PATCH.currentPaths, JOB_PATCH.imageSeed]);
  });

  it('a run recorded before it (marker absent) asks the patches one by one, as it did', async () => {
    const host = new FakeHost('mj-patch-replay', stubThenSuccess('T2'));
    host.unpatched.add(JOB_PATCH.currentPaths);
    await runWith(host);
    expect([...host.patchesAsked]).toEqual(
      expect.arrayContaining([
        JOB_PATCH.currentPaths,
        JOB_PATCH.jobCost,
        JOB_PATCH.stubNotYetKnown,
        JOB_PATCH.deadlineFromProgress,
      ])
    );
  });

  it('takes the same decisions as the three patches taken one by one', async () => {
    const current = await runWith(new FakeHost('mj-patch-same-a', stubThenSuccess('T3')));
    const byOne = new FakeHost('mj-patch-same-b', stubThenSuccess('T3'));
    byOne.unpatched.add(JOB_PATCH.currentPaths);
    const old = await runWith(byOne);
    expect(current.waits).toEqual(old.waits);
    expect(current.run.memo()).toEqual(old.run.memo());
    expect(current.run.progress()).toEqual(old.run.progress());
  });

  it('differs from a run that had none of them (the old paths are still taken on replay)', async () => {
    const none = new FakeHost('mj-patch-none', stubThenSuccess('T4'));
    for (const id of Object.values(JOB_PATCH)) none.unpatched.add(id);
    const old = await runWith(none);
    const current = await runWith(new FakeHost('mj-patch-none-b', stubThenSuccess('T4')));
    // Before the gateway patches the stub's status was observed and published; the current paths leave it unknown.
    expect(old.run.progress().fetches).toBe(current.run.progress().fetches);
    expect(none.published.map((p) => p.memo.status)).toContain('SUBMITTED');
  });
});
