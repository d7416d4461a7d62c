/**
 * `patched()` ids of the job workflow: each guards a change in what the workflow decides for a history recorded
 * before it, so running jobs replay on their old path (see test/integration/job-replay.test.ts). One list, so an id
 * is never reused for another change.
 */
export const JOB_PATCH = {
  /**
   * Issue 17: a gateway stub (`status: ""` before the gateway's first poll) is "not yet known": no status, memo or
   * search attribute is written from it.
   */
  stubNotYetKnown: 'issue-17-stub-not-yet-known',
  /** Issue 17: deadlines follow the mode the task reports, and a task that keeps advancing outlives its total. */
  deadlineFromProgress: 'issue-17-deadline-from-progress',
  /** Issue 17: code 5 `unmarshal_response_body_failed` gets a bounded number of resubmits, then `UpstreamAuthFailed`. */
  upstreamAuthBounded: 'issue-17-upstream-auth-bounded',
  /**
   * Issue 15 (what a job costs): mode and action go out with the task id in one upsert; 'submitting' is published
   * only when the submit must wait; a webhook that beat the submit answer is kept; the first webhook swaps the short
   * poll timer for the safety net; safety-net waits are jittered downwards only.
   */
  jobCost: 'issue-15-job-cost',
  /**
   * Issue 15: one marker for a run that starts on today's code, in place of asking `jobCost` and
   * `deadlineFromProgress` (and `stubNotYetKnown` behind a gateway) one by one. A new run would take every one of them
   * anyway, so the commands are exactly those of all three taken together; only the markers differ (one marker and
   * one `TemporalChangeVersion` upsert instead of two or three of each: 2 to 4 history events less per run). Runs
   * recorded before it replay false here and ask the three on their own, as they did.
   */
  currentPaths: 'issue-15-current-paths',
} as const;

export type JobPatchId = (typeof JOB_PATCH)[keyof typeof JOB_PATCH];
