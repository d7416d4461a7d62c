/**
 * The client a task's calls go to: its owner's when the input names one, else the legacy
 * single upstream. An owner this worker does not know is a typed, non-retryable failure, never a silent fallback
 * to another upstream (a task id means nothing there).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { MjClient } from '../mj';
import { ACTIVITY_FAILURE } from '../shared/failure-types';
import type { UpstreamSet } from '../shared/upstreams/types';

export function unknownUpstream(upstreamId: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ACTIVITY_FAILURE.noUpstream,
    message: `upstream ${upstreamId} is not configured on this worker`,
    nonRetryable: true,
    details: [{ code: ACTIVITY_FAILURE.noUpstream, field: 'upstreamId', rule: 'owner', upstreamId }],
  });
}

/** The owner's client; throws {@link unknownUpstream} for an id the worker's upstreams do not list. */
export function upstreamClient(upstreams: UpstreamSet | undefined, upstreamId: string): MjClient {
  if (!upstreams || !upstreams.ids().includes(upstreamId)) throw unknownUpstream(upstreamId);
  return upstreams.client(upstreamId);
}

/** The client for a call on a task: its owner's, or `legacy` for a task recorded without one. */
export function clientFor(legacy: MjClient, upstreams: UpstreamSet | undefined, upstreamId?: string): MjClient {
  return upstreamId === undefined ? legacy : upstreamClient(upstreams, upstreamId);
}

/** The hook URL for calls on a task of that owner (its own token), or the legacy one. */
export function hookFor(
  legacy: string | undefined,
  upstreams: UpstreamSet | undefined,
  upstreamId?: string
): string | undefined {
  return upstreamId === undefined || !upstreams ? legacy : upstreams.notifyHookUrl(upstreamId);
}
