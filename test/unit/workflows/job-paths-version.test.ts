/**
 * `JobInput.pathsVersion`: a run whose starter names today's paths takes them without a `patched()`
 * marker; anything else keeps asking, so histories recorded without it, and patches added after it, replay.
 */
import { JOB_PATCH, JOB_PATHS_VERSION, startedWithPath, type JobPatchId } from '../../../src/workflows/job/patches';

describe('startedWithPath', () => {
  /** The ids version 1 was defined with: a later id never joins it (CONTRIBUTING, replay rule 1). */
  const VERSION_1: JobPatchId[] = [
    JOB_PATCH.stubNotYetKnown,
    JOB_PATCH.deadlineFromProgress,
    JOB_PATCH.upstreamAuthBounded,
    JOB_PATCH.jobCost,
    JOB_PATCH.currentPaths,
    JOB_PATCH.waitOutsideSlot,
  ];

  /** Version 2: version 1 and the two patches added after it (a run of today's starters asks none). */
  const VERSION_2: JobPatchId[] = [...VERSION_1, JOB_PATCH.wakeOnUpstream, JOB_PATCH.imageSeed];

  it('takes every patch of version 1 without asking, on versions 1 and 2', () => {
    for (const id of VERSION_1) expect(startedWithPath({ pathsVersion: 1 }, id)).toBe(true);
    for (const id of VERSION_1) expect(startedWithPath({ pathsVersion: 2 }, id)).toBe(true);
  });

  it("today's starters take every patch without asking", () => {
    expect(JOB_PATHS_VERSION).toBe(2);
    expect(Object.values(JOB_PATCH).filter((id) => !VERSION_2.includes(id))).toEqual([]);
    for (const id of VERSION_2) expect(startedWithPath({ pathsVersion: JOB_PATHS_VERSION }, id)).toBe(true);
  });

  it('asks for every patch added after version 1, even on a run of version 1', () => {
    const later = Object.values(JOB_PATCH).filter((id) => !VERSION_1.includes(id));
    expect(later).toEqual([JOB_PATCH.wakeOnUpstream, JOB_PATCH.imageSeed]);
    for (const id of later) expect(startedWithPath({ pathsVersion: 1 }, id)).toBe(false);
  });

  it('asks for a run without a paths version (recorded before it, or a starter that sets none)', () => {
    for (const id of Object.values(JOB_PATCH)) expect(startedWithPath({}, id)).toBe(false);
  });

  it('asks for a patch added after the version, so a version-1 run recorded before it replays false', () => {
    expect(startedWithPath({ pathsVersion: 1 }, 'issue-99-later-change' as JobPatchId)).toBe(false);
  });

  it('asks for a version it does not know (a newer starter than this worker)', () => {
    expect(startedWithPath({ pathsVersion: 3 }, JOB_PATCH.currentPaths)).toBe(false);
    expect(startedWithPath({ pathsVersion: 0 }, JOB_PATCH.currentPaths)).toBe(false);
  });
});
