/**
 * `MjJobsClient.events()`: a job's event feed ({@link JobEvent}) read in this process through Temporal, from the
 * process's {@link JobFeedHub}. The gateway's `GET /mj/task/{id}/events` serves the same feed over HTTP; its reader
 * is `gateway-events.ts`.
 */
import { MjInputError } from '../mj/errors';
import type { JobEvent } from '../shared/job-events';
import type { JobEventsOptions, JobFeedHub } from './job-feed-hub';
import type { Client } from '@temporalio/client';
import { resolveJobId } from './job-ids';
import { checkId } from './validation';

/** `after` as a caller gives it: absent, or a finite seq ≥ 0. */
export function checkAfter(after: unknown, field = 'after'): number {
  if (after === undefined) return 0;
  if (typeof after !== 'number' || !Number.isFinite(after) || after < 0) {
    throw new MjInputError(field, 'must be a seq (a number ≥ 0) from an event seen before');
  }
  return after;
}

/** The job's events after `opts.after`, each once and in order, until its final event or `opts.signal` aborts. */
export async function* jobEvents(
  mj: { client: Client; feed: JobFeedHub },
  jobId: string,
  opts: JobEventsOptions = {}
): AsyncGenerator<JobEvent> {
  checkId(jobId);
  const after = checkAfter(opts.after);
  const id = await resolveJobId(mj.client, jobId);
  yield* mj.feed.events(id, { after, signal: opts.signal });
}
