/**
 * `client.upstreams`: what operators need of the upstream pool (`mj-upstream-pool`): the health of every
 * upstream (in flight, today's counts, cooldowns, disables; never URLs or keys) and taking one out or putting it back.
 * A namespace whose pool never started (no routed job yet) reads as `null`; switching needs a running pool, because
 * only a worker knows the upstream configuration to start one with.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MjInputError } from '../mj/errors';
import { readRejection } from '../shared/rejection';
import {
  UPSTREAM_POOL_ID,
  getUpstreamHealthQuery,
  setUpstreamEnabledUpdate,
  type UpstreamHealthSnapshot,
  type UpstreamPoolSnapshot,
} from '../workflows/upstreams/messages';
import { InputRejectedError } from './rejections';

/** Thrown when an operator switches an upstream but no pool runs yet (no routed job has been submitted). */
export class UpstreamPoolNotRunningError extends Error {
  override readonly name = 'UpstreamPoolNotRunningError';
  readonly code = 'UPSTREAM_POOL_NOT_RUNNING';
  constructor() {
    super(
      `the upstream pool (${UPSTREAM_POOL_ID}) is not running: it starts with the first routed submit of a worker configured with MJ_UPSTREAMS_FILE or MJ_UPSTREAMS`
    );
  }
}

/** Longest operator note kept with a disable (it is shown in the health query and the CLI). */
const MAX_MESSAGE = 500;

export class MjUpstreamsClient {
  constructor(private readonly client: Client) {}

  /** Every upstream's health, or null when no pool has started in this namespace. */
  async health(): Promise<UpstreamPoolSnapshot | null> {
    try {
      return await this.handle().query(getUpstreamHealthQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  /**
   * Takes an upstream out of routing (`enabled: false`, with a note) or puts it back, which also clears its cooldown,
   * fast-hours exhaustion and an automatic disable (auth error, banned account). Jobs it owns keep their follow-ups
   * pinned to it: they wait until it is back.
   * @throws MjInputError (`upstreamId`, `message`) for bad input or an upstream the pool does not know
   * @throws UpstreamPoolNotRunningError when no pool runs yet
   */
  async setEnabled(upstreamId: string, enabled: boolean, message?: string): Promise<UpstreamHealthSnapshot> {
    if (typeof upstreamId !== 'string' || upstreamId.length === 0) {
      throw new MjInputError('upstreamId', 'is required', 'setEnabled');
    }
    if (message !== undefined && (typeof message !== 'string' || message.length > MAX_MESSAGE)) {
      throw new MjInputError('message', `must be text of at most ${MAX_MESSAGE} characters`, 'setEnabled');
    }
    try {
      return await this.handle().executeUpdate(setUpstreamEnabledUpdate, {
        args: [{ upstreamId, enabled, ...(message !== undefined ? { message } : {}) }],
      });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new UpstreamPoolNotRunningError();
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const details = readRejection(err.cause);
        if (details) throw new InputRejectedError(err.cause.type ?? 'Error', details, err.cause.message);
      }
      throw err;
    }
  }

  private handle() {
    return this.client.workflow.getHandle(UPSTREAM_POOL_ID);
  }
}
