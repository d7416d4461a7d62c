/**
 * Contract of several upstreams: what routing, the upstream pool, the job's activities and the cost
 * ledger exchange. Workflow-safe (types and constant lists only), so workflows and activities import the same shapes.
 *
 * Secrets never appear here: an {@link UpstreamView} is what goes into workflow history; the base URL, API key and
 * webhook token live only in the worker's {@link UpstreamSet}.
 */
import type { MjClient } from '../../mj/client';
import type { MjFlavour, SpeedMode } from '../../mj/types';
import type { SlotPriority } from '../priority-classes';
import type { PricedAction, UpstreamFeature } from '../../mj/intents/upstream-terms';

/** The feature and priced-action lists live with the intent catalogue, which names them per intent. */
export { PRICED_ACTIONS, UPSTREAM_FEATURES } from '../../mj/intents/upstream-terms';
export type { PricedAction, UpstreamFeature } from '../../mj/intents/upstream-terms';

/** Routing rules (one list): least-loaded is the default. `cheapest` orders by price, then least-loaded. */
export const ROUTING_RULES = ['least-loaded', 'weighted', 'round-robin', 'fill-in-order', 'cheapest'] as const;
export type RoutingRule = (typeof ROUTING_RULES)[number];

/** Prices of one upstream: per action and mode, falling back to `default` per mode. Unit: `currency` per task. */
export interface PriceTable {
  /** @default 'USD' */
  currency: string;
  default: Partial<Record<SpeedMode, number>>;
  byAction?: Partial<Record<PricedAction, Partial<Record<SpeedMode, number>>>>;
}

export interface ModeLimits {
  /** Tasks of this mode running upstream at once. */
  concurrency: number;
  /** Tasks of this mode accepted per UTC day. @default undefined (no cap) */
  dailyCap?: number;
  /**
   * Places of `concurrency` batch work never takes, kept for people and agents (`SlotPriority`).
   * @default SLOT_RESERVED_FOR_INTERACTIVE, capped at `concurrency - 1`
   */
  reservedForInteractive?: number;
}

/** Hours (in a fixed UTC offset) an upstream takes new jobs; outside them it is skipped, never failed over to. */
export interface WorkHours {
  /** 'HH:MM' */
  from: string;
  /** 'HH:MM'; earlier than `from` means the window crosses midnight. */
  to: string;
  /** @default 0 */
  utcOffsetMinutes?: number;
}

/** One upstream as routing and the pool see it: no secrets (it is recorded in workflow history). */
export interface UpstreamView {
  id: string;
  flavour: MjFlavour;
  /** Lower number = preferred tier. @default 0 */
  priority: number;
  /** Share within a tier for the `weighted` rule. @default 1 */
  weight: number;
  features: UpstreamFeature[];
  /** Modes this upstream offers and their limits; a mode absent here is not offered. */
  modes: Partial<Record<SpeedMode, ModeLimits>>;
  prices: PriceTable;
  workHours?: WorkHours;
}

/** Routing settings of the pool. */
export interface RoutingSettings {
  /** @default 'least-loaded' */
  rule: RoutingRule;
  /** Mode preference of a job that names none. @default ['FAST', 'TURBO', 'RELAX'] */
  modePreference: SpeedMode[];
}

/** Why an upstream refuses new work for a while (failover reasons, one list). */
export const COOLDOWN_REASONS = [
  'no-instance', // code 3a / "无可用的账号实例"
  'queue-full', // code 23
  'rate-limited', // HTTP 429, code 30
  'connection', // refused, reset before sending, DNS
  'server-error', // 5xx on submit, proven not accepted
  'fast-exhausted', // fast hours used up until a reset time
] as const;
export type CooldownReason = (typeof COOLDOWN_REASONS)[number];

/** Why an upstream is taken out until an operator (or a config change) puts it back. */
export const DISABLE_REASONS = ['auth', 'banned-account'] as const;
export type DisableReason = (typeof DISABLE_REASONS)[number];

/** Durable per-upstream state kept by the pool workflow across restarts of workers and server. */
export interface UpstreamHealth {
  /** Reserved and accepted tasks not yet terminal, per mode. */
  inFlight: Partial<Record<SpeedMode, number>>;
  /** UTC day ('YYYY-MM-DD') the counts are for; counts reset when the day changes. */
  day: string;
  accepted: Partial<Record<SpeedMode, number>>;
  cooldownUntil?: number;
  cooldownReason?: CooldownReason;
  /** FAST (and TURBO) not offered until this time (fast hours exhausted). */
  fastExhaustedUntil?: number;
  disabled?: { reason: DisableReason; message: string; since: number };
}

/** What a submit asks routing for. */
export interface RouteRequest {
  action: PricedAction;
  /** Features the request needs (vary-region for an inpaint, video for a video…). */
  features: UpstreamFeature[];
  /** Modes in order of preference; the first one some upstream can take now wins. */
  modes: SpeedMode[];
  /** A follow-up's owner: only this upstream may take it (never moved elsewhere). */
  pin?: string;
  /** Upstreams this attempt must skip (already refused it). */
  exclude?: string[];
  /** Whose job it is: batch work stays out of each mode's `reservedForInteractive` places. @default 'interactive' */
  jobPriority?: SlotPriority;
}

/** The pure routing function's answer (see `src/shared/upstreams/routing.ts`). */
export type RouteDecision =
  | { kind: 'routed'; upstreamId: string; mode: SpeedMode; price: number; currency: string }
  /** Nothing can take it now; the earliest time something may (a cooldown or a cap's reset). */
  | { kind: 'wait'; untilMs: number; reason: string; upstreamId?: string }
  /** No configured upstream can ever take it (feature or mode not offered, pinned owner unknown). */
  | { kind: 'none'; rule: 'feature' | 'mode' | 'owner'; reason: string };

/** Where a routed task lives: recorded by the job (memo, carry) and used by every follow-up. */
export interface TaskOwner {
  upstreamId: string;
  taskId: string;
  mode: SpeedMode;
}

/** What the submit activity tells the pool after an attempt on a reserved upstream. */
export type SubmitReport =
  | { kind: 'accepted'; taskId: string }
  /** Proven not accepted; the upstream cools down (or is disabled) and the next attempt goes elsewhere. */
  | { kind: 'failover'; reason: CooldownReason; retryAfterMs?: number; message: string }
  | { kind: 'disable'; reason: DisableReason; message: string }
  /** Outcome unknown: the reservation stays until reconciled on the same upstream. */
  | { kind: 'unknown' }
  /** Refused for the job's own reason (banned prompt, bad parameter): never counts against the upstream. */
  | { kind: 'job-error' };

/**
 * The bookkeeping of an accepted routed task (one list): the pool counts it (`pool`), the ledger charges it
 * (`ledger`). A part the submit could not do is named in its result and done later by `settleRoutedSubmit`.
 */
export const SETTLE_PARTS = ['pool', 'ledger'] as const;
export type SettlePart = (typeof SETTLE_PARTS)[number];

/**
 * Request ids are `<stateKey>#<attempt>`; `<stateKey>#` alone names whichever reservation that step holds on an
 * upstream (the pool resolves it), for a task found after the attempt's own id was lost with its worker.
 */
export const ANY_ATTEMPT = '#';
export const anyAttemptOf = (stateKey: string): string => `${stateKey}${ANY_ATTEMPT}`;

/** A reservation request (idempotent by `requestId`, e.g. `<stateKey>#<attempt>`). */
export interface ReserveRequest extends RouteRequest {
  requestId: string;
  workflowId: string;
}

/**
 * Activity-side access to the upstream pool workflow (implemented in `src/upstreams/router-client.ts`). Calls never
 * retry below Temporal; each one is idempotent by request id.
 */
export interface UpstreamRouter {
  reserve(req: ReserveRequest): Promise<RouteDecision>;
  report(requestId: string, upstreamId: string, report: SubmitReport): Promise<void>;
  /** The task reached a terminal status (or its job ended): frees the in-flight slot. */
  release(requestId: string, upstreamId: string): Promise<void>;
}

/** The worker's upstreams: one client (with its secrets) per configured id. */
export interface UpstreamSet {
  ids(): string[];
  /** @throws UnknownUpstreamError for an id that is not configured */
  client(id: string): MjClient;
  /** The notifyHook URL for tasks of this upstream (carries the upstream's own token); undefined without webhooks. */
  notifyHookUrl(id: string): string | undefined;
  views(): UpstreamView[];
  routing(): RoutingSettings;
}

/** Cost attribution of a job (set by the gateway and by pipelines/batches for their children). */
export interface CostTags {
  tenant?: string;
  pipelineId?: string;
  batchId?: string;
}

/** One accepted upstream task in the ledger (idempotent by `key`, the submit's state key). */
export interface Charge extends CostTags {
  key: string;
  jobId: string;
  upstreamId: string;
  upstreamTaskId: string;
  action: PricedAction;
  mode: SpeedMode;
  price: number;
  currency: string;
  /** Epoch ms the task was accepted. */
  at: number;
}

export interface Refund {
  /** The charge's key. */
  key: string;
  reason: 'gateway-timeout' | 'operator';
  at: number;
}

export type BudgetVerdict =
  | {
      ok: true;
      /**
       * True when some budget applies to these tags (and currency) at a price above 0: the submit must then take a
       * hold (`LedgerRecorder.hold`) before it sends. Absent: no budget applies, nothing to hold.
       */
      budgeted?: true;
    }
  | {
      ok: false;
      /** e.g. 'tenant:acme' or 'batch:nightly-2026-12-01' */
      budget: string;
      limit: number;
      spent: number;
      /** What other submits hold against the budget now (taken, not yet charged or released). Absent: 0. */
      held?: number;
      price: number;
      currency: string;
      onExceed: 'refuse' | 'park';
    };

/**
 * A budget hold (reservation): a charge-to-be, keyed by the submit's state key like its charge, taken before the
 * submit is sent so concurrent submits cannot together pass a budget.
 */
export type BudgetHold = Omit<Charge, 'upstreamTaskId'>;

/**
 * What the ledger recorder reports (counted once per recorded charge or refund); `src/metrics.ts` counts it. Here, not
 * beside the counters, so the recorder's declarations (and the typed client's) do not reach prom-client.
 */
export interface SpendObserver {
  observeCharge(c: Pick<Charge, 'upstreamId' | 'mode' | 'tenant' | 'price' | 'currency'>): void;
  observeRefund(
    c: Pick<Charge, 'upstreamId' | 'mode' | 'tenant' | 'price' | 'currency'>,
    reason: Refund['reason']
  ): void;
}

/** Activity-side access to the cost ledger workflow (implemented in `src/ledger/ledger-recorder.ts`). */
export interface LedgerRecorder {
  /**
   * Checks the price against the budgets counting spend AND holds, and when it passes holds it until the charge of
   * the same key (or a release, or expiry). Idempotent by `key`. Tags no budget applies to write nothing.
   */
  hold(hold: BudgetHold): Promise<BudgetVerdict>;
  /** Gives a hold back: its submit is known not to have been accepted. Idempotent; no hold: writes nothing. */
  releaseHold(key: string): Promise<void>;
  charge(charge: Charge): Promise<void>;
  refund(refund: Refund): Promise<void>;
}
