/** Cancelling the upstream task of a cancelled job: best effort, on the way out. */
import { readActivityFailure } from './failures';
import type { JobHost } from './host';
import { ownerRef, stateKey, type JobStateView } from './job-state';

/** Best effort on the way out of a cancelled job (run in a non-cancellable scope); records the answer for readers. */
export async function cancelUpstream(s: JobStateView, host: JobHost): Promise<void> {
  const c = s.carry;
  let taskId = c.taskId;
  try {
    // Cancelled while a submit was in flight: the task may exist under our state key.
    if (!taskId && c.submits > 0) {
      const found = await host.activities.findTaskByState({ stateKey: stateKey(s, host) });
      taskId = found?.id;
      if (found?.route) c.owner = { upstreamId: found.route.upstreamId, taskId: found.id, mode: found.route.mode };
    }
    if (!taskId) {
      s.upstreamCancel = { cancelled: false, reason: 'no upstream task' };
      return;
    }
    if (c.lastStatus === 'SUCCESS' || c.lastStatus === 'FAILURE' || c.lastStatus === 'CANCEL') {
      s.upstreamCancel = { cancelled: false, reason: `upstream task already ended ${c.lastStatus}` };
      return;
    }
    s.upstreamCancel = await host.activities.cancelUpstreamTask({ taskId, ...ownerRef(s) });
  } catch (err) {
    s.upstreamCancel = { cancelled: false, reason: readActivityFailure(err).message.slice(0, 200) };
  }
}
