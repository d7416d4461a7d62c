/**
 * Messages of the upstream pool (`upstreamPoolWorkflow`, id {@link UPSTREAM_POOL_ID}): reserve / report / release
 * updates sent by the submit and fetch activities through the router client, the configure update sent by workers,
 * the operator's enable / disable update and the health query. Workflow-safe; the router client imports this
 * module, never the workflow.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { SpeedMode } from '../../mj/types';
import type { Duration } from '../../shared/duration';
import type {
  CooldownReason,
  DisableReason,
  ReserveRequest,
  RouteDecision,
  RoutingSettings,
  SubmitReport,
  UpstreamView,
} from '../../shared/upstreams/types';

/** The one pool of a namespace. */
export const UPSTREAM_POOL_ID = 'mj-upstream-pool';
/** Workflow type name, for starts by name (update-with-start from activities). */
export const UPSTREAM_POOL_WORKFLOW_TYPE = 'upstreamPoolWorkflow';

/** `ApplicationFailure.type` values of the pool's update validators (details name `field` and `rule`). */
export const UPSTREAM_POOL_FAILURE = {
  invalidRequest: 'InvalidUpstreamPoolRequest',
  unknownUpstream: 'UnknownUpstream',
} as const;

/**
 * What the pool routes with: the views (no secrets) and settings, and a version (a hash the worker computes) so a
 * reserve can tell cheaply whether the pool runs the worker's configuration without sending the views each time.
 */
export interface UpstreamPoolConfig {
  version: string;
  views: UpstreamView[];
  routing: RoutingSettings;
}

/** Argument of {@link reserveUpstreamUpdate}: the request and the config version the caller routes with. */
export interface PoolReserveInput extends ReserveRequest {
  configVersion: string;
}

/**
 * Answer of {@link reserveUpstreamUpdate}: the decision, or `stale-config` when the pool holds another config
 * version (the router client then sends its config with {@link configureUpstreamsUpdate} and asks again).
 */
export type PoolReserveAnswer = RouteDecision | { kind: 'stale-config'; version: string };

export interface PoolReportInput {
  requestId: string;
  upstreamId: string;
  report: SubmitReport;
}

export interface PoolReleaseInput {
  requestId: string;
  upstreamId: string;
}

/** Argument of {@link setUpstreamEnabledUpdate}. */
export interface UpstreamEnableChange {
  upstreamId: string;
  enabled: boolean;
  /** Why an operator takes it out (shown in the health query). */
  message?: string;
}

/** One reservation: a submit routed to an upstream, in flight until released (or reclaimed). */
export interface UpstreamReservation {
  requestId: string;
  workflowId: string;
  upstreamId: string;
  mode: SpeedMode;
  price: number;
  currency: string;
  /** Epoch ms (pool time). */
  reservedAt: number;
  /** The submit was accepted upstream (counted in today's totals once). */
  acceptedTaskId?: string;
}

/** Per-upstream state the pool keeps (the contract's `UpstreamHealth` plus failure count and operator disable). */
export interface PoolUpstreamState {
  day: string;
  accepted: Partial<Record<SpeedMode, number>>;
  cooldownUntil?: number;
  cooldownReason?: CooldownReason;
  /** Failovers in a row without an acceptance: drives the cooldown backoff. */
  failures: number;
  /** When `failures` last grew: a failover of a reservation made before then is the same outage (no escalation). */
  escalatedAt?: number;
  fastExhaustedUntil?: number;
  disabled?: { reason: DisableReason | 'operator'; message: string; since: number };
}

/** One upstream in {@link getUpstreamHealthQuery}'s answer. */
export interface UpstreamHealthSnapshot extends PoolUpstreamState {
  id: string;
  inFlight: Partial<Record<SpeedMode, number>>;
  /** Why it takes no new work right now, if so. */
  blocked?: string;
}

export interface UpstreamPoolTotals {
  reserved: number;
  accepted: number;
  failovers: number;
  released: number;
  reclaimed: number;
}

/** Answer of {@link getUpstreamHealthQuery}: no secrets (views carry none). */
export interface UpstreamPoolSnapshot {
  configVersion: string;
  routing: RoutingSettings;
  upstreams: UpstreamHealthSnapshot[];
  reservations: number;
  totals: UpstreamPoolTotals;
  /** Continue-as-new count. */
  generation: number;
}

/** What survives a continue-as-new of the pool. */
export interface UpstreamPoolCarry {
  config: UpstreamPoolConfig;
  states: Record<string, PoolUpstreamState>;
  reservations: UpstreamReservation[];
  cursor: number;
  totals: UpstreamPoolTotals;
  generation: number;
  /** Workflows told to wait, by workflow id: the upstream they wait for, or {@link ANY_UPSTREAM}. */
  waiters?: Record<string, string>;
}

/** A waiter that is not pinned: any upstream coming back may let it through. */
export const ANY_UPSTREAM = '*';

/** `patched()` ids of the pool workflow (one list, so an id is never reused for another change). */
export const POOL_PATCH = {
  /**
   * The pool signals the workflows it told to wait (`upstreamAvailableSignal`) when an operator enables an upstream
   * or the config changes. Pools recorded before it replay false and send nothing.
   */
  wakeWaiters: 'pool-wakes-waiters',
  /**
   * While workflows wait for an upstream cooling down after connection failures, the pool probes it every few
   * seconds (`probeUpstream` activity) and ends the cooldown once it answers. Pools recorded before it never probe.
   */
  probeDown: 'pool-probes-down-upstreams',
  /**
   * Batch work (`ReserveRequest.jobPriority` 'batch') stays out of each mode's `reservedForInteractive` places. Asked
   * once per run: a pool recorded before it routes every request alike until it continues as new.
   */
  interactiveShare: 'pool-interactive-share',
} as const;

export interface UpstreamPoolInput {
  config: UpstreamPoolConfig;
  /** How often reservations are checked for a closed workflow. @default UPSTREAM_RECLAIM_INTERVAL ('1m') */
  reclaimInterval?: Duration;
  /** @default UPSTREAM_POOL_CONTINUE_AS_NEW_EVENTS (2000) */
  continueAsNewAfterEvents?: number;
  /** Internal: state carried across continue-as-new. */
  carry?: UpstreamPoolCarry;
}

/** Routes and records a reservation; idempotent by `requestId` (a repeat answers the same routed decision). */
export const reserveUpstreamUpdate = defineUpdate<PoolReserveAnswer, [PoolReserveInput]>('reserveUpstream');
/** Outcome of a submit on a reserved upstream; idempotent (only the first report of a reservation counts). */
export const reportUpstreamUpdate = defineUpdate<void, [PoolReportInput]>('reportUpstream');
/** The task reached a terminal status: frees its in-flight slot; unknown requests are ignored. */
export const releaseUpstreamUpdate = defineUpdate<void, [PoolReleaseInput]>('releaseUpstream');
/** Replaces the views and settings (a worker started with another config); answers the version now in force. */
export const configureUpstreamsUpdate = defineUpdate<string, [UpstreamPoolConfig]>('configureUpstreams');
/** Operator: takes an upstream out (`enabled: false`) or puts it back, clearing cooldowns and disables. */
export const setUpstreamEnabledUpdate = defineUpdate<UpstreamHealthSnapshot, [UpstreamEnableChange]>(
  'setUpstreamEnabled'
);
/** Health of every upstream: in flight, today's counts, cooldowns, disables. */
export const getUpstreamHealthQuery = defineQuery<UpstreamPoolSnapshot>('getUpstreamHealth');

/** Whether a probed upstream answered: 'up' ends its cooldown and wakes its waiters. */
export type ProbeVerdict = 'up' | 'down';

/** The activity the pool calls to probe an upstream that waiters need (implemented in src/activities). */
export interface ProbeActivities {
  probeUpstream(input: { upstreamId: string }): Promise<ProbeVerdict>;
}
