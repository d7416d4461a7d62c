/**
 * The activity side of the upstream pool (`UpstreamRouter`): every call is one
 * `executeUpdateWithStart` on `mj-upstream-pool` (conflict policy USE_EXISTING), so the first call starts the pool
 * with this worker's views and settings and later calls reach the running one. No retries here (Temporal retries
 * the calling activity); each update is idempotent by request id.
 *
 * A reserve carries only the config version (a hash of the views and settings); when the pool runs another one it
 * answers `stale-config`, the client sends its config with `configureUpstreamsUpdate` and asks once more. Workers
 * must therefore share one upstream config: during a rolling change the newest one to configure wins.
 */
import { createHash } from 'node:crypto';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import {
  configureUpstreamsUpdate,
  getUpstreamHealthQuery,
  releaseUpstreamUpdate,
  reportUpstreamUpdate,
  reserveUpstreamUpdate,
  setUpstreamEnabledUpdate,
  UPSTREAM_POOL_ID,
  UPSTREAM_POOL_WORKFLOW_TYPE,
  type UpstreamEnableChange,
  type UpstreamHealthSnapshot,
  type UpstreamPoolConfig,
  type UpstreamPoolInput,
  type UpstreamPoolSnapshot,
} from '../workflows/upstreams/messages';
import { UpstreamPoolConfigError } from './errors';
import type {
  ReserveRequest,
  RouteDecision,
  SubmitReport,
  UpstreamRouter,
  UpstreamSet,
} from '../shared/upstreams/types';

export interface RouterClientOptions {
  /** A client with the worker's data converter (payload codec). */
  client: Client;
  /** Task queue the pool runs on when this client starts it (the worker's). */
  taskQueue: string;
  upstreams: Pick<UpstreamSet, 'views' | 'routing'>;
  /** Settings of a pool this client starts (a running pool keeps its own). */
  pool?: Pick<UpstreamPoolInput, 'reclaimInterval' | 'continueAsNewAfterEvents'>;
  /** @default UPSTREAM_POOL_ID */
  workflowId?: string;
}

/** The pool config of a set: views, settings and a version that changes whenever either does. */
export function poolConfigOf(upstreams: Pick<UpstreamSet, 'views' | 'routing'>): UpstreamPoolConfig {
  const views = upstreams.views();
  const routing = upstreams.routing();
  const version = createHash('sha256').update(JSON.stringify({ views, routing })).digest('hex').slice(0, 16);
  return { version, views, routing };
}

export class PoolRouterClient implements UpstreamRouter {
  readonly config: UpstreamPoolConfig;
  readonly workflowId: string;

  constructor(private readonly options: RouterClientOptions) {
    this.config = poolConfigOf(options.upstreams);
    this.workflowId = options.workflowId ?? UPSTREAM_POOL_ID;
  }

  async reserve(req: ReserveRequest): Promise<RouteDecision> {
    const input = { ...req, configVersion: this.config.version };
    const first = await this.update(reserveUpstreamUpdate, input);
    if (first.kind !== 'stale-config') return first;
    await this.update(configureUpstreamsUpdate, this.config);
    const again = await this.update(reserveUpstreamUpdate, input);
    if (again.kind === 'stale-config') throw new UpstreamPoolConfigError(this.config.version, again.version);
    return again;
  }

  async report(requestId: string, upstreamId: string, report: SubmitReport): Promise<void> {
    await this.update(reportUpstreamUpdate, { requestId, upstreamId, report });
  }

  async release(requestId: string, upstreamId: string): Promise<void> {
    await this.update(releaseUpstreamUpdate, { requestId, upstreamId });
  }

  /** Operator: take an upstream out or put it back. */
  async setEnabled(change: UpstreamEnableChange): Promise<UpstreamHealthSnapshot> {
    return this.update(setUpstreamEnabledUpdate, change);
  }

  /** Health of every upstream as the pool sees it. */
  async health(): Promise<UpstreamPoolSnapshot> {
    return this.options.client.workflow.getHandle(this.workflowId).query(getUpstreamHealthQuery);
  }

  private update<Ret, Arg>(def: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
    const poolInput: UpstreamPoolInput = { config: this.config, ...this.options.pool };
    // An operation is single-use: a new one per call.
    const startWorkflowOperation = new WithStartWorkflowOperation<(input: UpstreamPoolInput) => Promise<void>>(
      UPSTREAM_POOL_WORKFLOW_TYPE,
      {
        workflowId: this.workflowId,
        taskQueue: this.options.taskQueue,
        args: [poolInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }
    );
    return this.options.client.workflow.executeUpdateWithStart(def, { args: [arg], startWorkflowOperation });
  }
}
