/**
 * `patched()` ids of the job workflow: each guards a change in what the workflow decides for a history recorded
 * before it, so running jobs replay on their old path (see test/integration/job-replay.test.ts). One list, so an id
 * is never reused for another change.
 */
export const JOB_PATCH = {
  /**
   * Behind a new-api gateway: a stub (`status: ""` before the gateway's first poll) is "not yet known": no status, memo or
   * search attribute is written from it.
   */
  stubNotYetKnown: 'issue-17-stub-not-yet-known',
  /** Behind a new-api gateway: deadlines follow the mode the task reports, and a task that keeps advancing outlives its total. */
  deadlineFromProgress: 'issue-17-deadline-from-progress',
  /** Behind a new-api gateway: code 5 `unmarshal_response_body_failed` gets a bounded number of resubmits, then `UpstreamAuthFailed`. */
  upstreamAuthBounded: 'issue-17-upstream-auth-bounded',
  /**
   * What a job costs: mode and action go out with the task id in one upsert; 'submitting' is published
   * only when the submit must wait; a webhook that beat the submit answer is kept; the first webhook swaps the short
   * poll timer for the safety net; safety-net waits are jittered downwards only.
   */
  jobCost: 'issue-15-job-cost',
  /**
   * One marker for a run that starts on today's code, in place of asking `jobCost` and
   * `deadlineFromProgress` (and `stubNotYetKnown` behind a gateway) one by one. A new run would take every one of them
   * anyway, so the commands are exactly those of all three taken together; only the markers differ (one marker and
   * one `TemporalChangeVersion` upsert instead of two or three of each: 2 to 4 history events less per run). Runs
   * recorded before it replay false here and ask the three on their own, as they did.
   */
  currentPaths: 'issue-15-current-paths',
  /** Jobs 2: with account slots, a wait for a person comes before taking the slot, not inside it. */
  waitOutsideSlot: 'wait-for-input-outside-slot',
  /**
   * A wait for an upstream (a pinned follow-up whose owner is down or disabled) ends early when the pool signals
   * that an upstream came back (`upstreamAvailableSignal`): the timer is cancelled and the job asks again. In paths
   * version 2; a version-1 run asks it.
   */
  wakeOnUpstream: 'wake-on-upstream-available',
  /**
   * After SUCCESS of a job that made images, one `fetchImageSeed` activity records the seed in the read model's
   * provenance. In paths version 2; a version-1 run asks it.
   */
  imageSeed: 'image-seed-after-success',
} as const;

export type JobPatchId = (typeof JOB_PATCH)[keyof typeof JOB_PATCH];

/**
 * The paths a starter of today's code asks for, in `JobInput.pathsVersion`. A run started with it takes every path
 * of {@link PATHS_OF_VERSION} without asking `patched()`: no marker and no `TemporalChangeVersion` upsert, so 2
 * history events and one visibility write less per job. The input is the run's first event, so a replay reads the same
 * answer; a run started without it (recorded before this, or by a starter that does not set it) asks `patched()` as
 * before. A later change adds its own `patched()` id, which every run still asks (a run of version 1 recorded before
 * that change must replay false); once it is the path of every new run it may join a version 2.
 */
export const JOB_PATHS_VERSION = 2;

const PATHS_V1 = [
  JOB_PATCH.stubNotYetKnown,
  JOB_PATCH.deadlineFromProgress,
  JOB_PATCH.upstreamAuthBounded,
  JOB_PATCH.jobCost,
  JOB_PATCH.currentPaths,
  JOB_PATCH.waitOutsideSlot,
] as const;

/**
 * The patch ids each paths version takes without asking (version 1: every id above up to `waitOutsideSlot`; version 2
 * adds the wake on an upstream's return and the seed read after SUCCESS). A version only ever grows by new ids, and a
 * run replays with the version its input recorded.
 */
const PATHS_OF_VERSION: Record<number, readonly JobPatchId[]> = {
  1: PATHS_V1,
  2: [...PATHS_V1, JOB_PATCH.wakeOnUpstream, JOB_PATCH.imageSeed],
};

/** True when the run's starter asked for a paths version that includes `id` (see {@link JOB_PATHS_VERSION}). */
export function startedWithPath(input: { pathsVersion?: number }, id: JobPatchId): boolean {
  return input.pathsVersion !== undefined && (PATHS_OF_VERSION[input.pathsVersion]?.includes(id) ?? false);
}
