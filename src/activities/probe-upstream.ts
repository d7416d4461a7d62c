/**
 * Is an upstream reachable again? The pool asks while jobs wait for an upstream cooling down after connection
 * failures, so they go back as soon as it answers rather than at the end of the cooldown. One read of a task id no
 * upstream has: any answer of the proxy (a "not found" included) means it is up; a refused or timed-out connection,
 * or a 5xx / gateway error, means it is still down. Nothing is submitted, so a probe costs nothing upstream.
 */
import { Context } from '@temporalio/activity';
import { MjConnectionError, MjGatewayError, MjServerError, MjTimeoutError, type MjClient } from '../mj';
import type { UpstreamSet } from '../shared/upstreams/types';

/** A task id no upstream hands out (proxies' ids are epoch-based, never all zeros). */
export const PROBE_TASK_ID = '0000000000000000';

export type { ProbeVerdict } from '../workflows/upstreams/messages';
import type { ProbeVerdict } from '../workflows/upstreams/messages';

export async function probeUpstream(client: MjClient, signal?: AbortSignal): Promise<ProbeVerdict> {
  try {
    await client.fetchTask(PROBE_TASK_ID, { signal });
    return 'up';
  } catch (err) {
    const down = [MjConnectionError, MjTimeoutError, MjServerError, MjGatewayError].some((c) => err instanceof c);
    if (down) return 'down';
    if (signal?.aborted) throw err;
    return 'up';
  }
}

/** The activity's body: probes `upstreamId` with this worker's client ('down' for an upstream it does not know). */
export function probeUpstreamOf(upstreams: UpstreamSet | undefined, upstreamId: string): Promise<ProbeVerdict> {
  if (!upstreams?.ids().includes(upstreamId)) return Promise.resolve('down');
  return probeUpstream(upstreams.client(upstreamId), Context.current().cancellationSignal);
}
