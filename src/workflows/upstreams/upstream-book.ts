/**
 * The upstream pool's state and rules (`UpstreamBook`), with no Temporal calls, so unit tests cover every transition:
 * reservations by request id (in flight until released), today's accepted counts per mode with a UTC-day rollover,
 * cooldowns after failovers (the shared {@link Backoff} schedule over the failures in a row, or the server's
 * Retry-After), fast hours exhausted, disables. Workflow-safe.
 */
import type { SpeedMode } from '../../mj/types';
import { nextUtcDayStart, utcDay } from '../../shared/upstreams/clock';
import { route, type RouteHealth } from '../../shared/upstreams/routing';
import { ANY_ATTEMPT, type ReserveRequest, type RouteDecision, type SubmitReport } from '../../shared/upstreams/types';
import { Backoff } from '../common/backoff';
import {
  ANY_UPSTREAM,
  type PoolReportInput,
  type PoolUpstreamState,
  type UpstreamEnableChange,
  type UpstreamHealthSnapshot,
  type UpstreamPoolCarry,
  type UpstreamPoolConfig,
  type UpstreamPoolSnapshot,
  type UpstreamPoolTotals,
  type UpstreamReservation,
} from './messages';

/** Cooldown after a failover without Retry-After: 30 s, doubling per failover in a row, at most 10 min. */
export const COOLDOWN_BACKOFF = { initialMs: 30_000, maxMs: 600_000, coefficient: 2 } as const;
/** A server's Retry-After is honoured up to this long. @unit ms */
export const MAX_RETRY_AFTER_MS = 3_600_000;
/** Waiting workflows the pool remembers for a wake (a waiter forgotten still asks again when its wait ends). */
export const MAX_WAITERS = 10_000;
/** Failovers in a row beyond this count no further (the schedule is at its maximum long before). */
const MAX_FAILURES = 32;

/** The cooldown after the `failures`-th failover in a row (1-based); `retryAfterMs` from the server wins. */
export function cooldownMs(failures: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  // Walk the shared schedule (no jitter, no deadline): the n-th wait of the loop the pool would have run.
  const b = new Backoff(COOLDOWN_BACKOFF, Number.POSITIVE_INFINITY, { now: () => 0, random: () => 0.5 });
  let wait: number = COOLDOWN_BACKOFF.initialMs;
  for (let i = 0; i < Math.min(Math.max(failures, 1), MAX_FAILURES); i++) wait = b.next() ?? wait;
  return wait;
}

type DisableKind = NonNullable<PoolUpstreamState['disabled']>['reason'];

const freshState = (now: number): PoolUpstreamState => ({ day: utcDay(now), accepted: {}, failures: 0 });

export class UpstreamBook {
  config: UpstreamPoolConfig;
  readonly states = new Map<string, PoolUpstreamState>();
  readonly reservations = new Map<string, UpstreamReservation>();
  /** Workflows the pool told to wait: the upstream each waits for ({@link ANY_UPSTREAM} when not pinned). */
  readonly waiters = new Map<string, string>();
  /** Workflows to tell that an upstream came back, with that upstream (none: the config changed); sent by the pool. */
  readonly wakes: { workflowId: string; upstreamId?: string }[] = [];
  private cursor: number;
  private readonly totals: UpstreamPoolTotals;
  readonly generation: number;

  /**
   * @param opts.prioritised batch work stays out of each mode's `reservedForInteractive` places; off for pools
   *   recorded before the rule (their reservations were routed without it). @default false
   */
  constructor(
    config: UpstreamPoolConfig,
    carry?: UpstreamPoolCarry,
    private readonly opts: { prioritised?: boolean } = {}
  ) {
    this.config = carry?.config ?? config;
    for (const [id, s] of Object.entries(carry?.states ?? {})) this.states.set(id, s);
    for (const r of carry?.reservations ?? []) this.reservations.set(r.requestId, r);
    for (const [workflowId, upstreamId] of Object.entries(carry?.waiters ?? {}))
      this.waiters.set(workflowId, upstreamId);
    this.cursor = carry?.cursor ?? 0;
    this.totals = carry?.totals ?? { reserved: 0, accepted: 0, failovers: 0, released: 0, reclaimed: 0 };
    this.generation = carry?.generation ?? 0;
  }

  /** Adopts another config; state of upstreams no longer configured is dropped (their reservations stay). */
  configure(config: UpstreamPoolConfig): string {
    const changed = config.version !== this.config.version;
    this.config = config;
    const ids = new Set(config.views.map((v) => v.id));
    for (const id of [...this.states.keys()]) if (!ids.has(id)) this.states.delete(id);
    // Another config may route a waiting submit now (an upstream added, a cap raised): every waiter asks again.
    if (changed) this.wake(undefined);
    return config.version;
  }

  /** Routes and records; a request id seen before answers its recorded decision whatever the request says now. */
  reserve(req: ReserveRequest, now: number): RouteDecision {
    const known = this.reservations.get(req.requestId);
    if (known) return this.decisionOf(known);
    const request = this.opts.prioritised ? req : { ...req, jobPriority: undefined };
    const decision = route(this.config.views, this.routeHealth(now), request, this.config.routing, now, this.cursor);
    this.waiters.delete(req.workflowId);
    if (decision.kind === 'wait') {
      this.waiters.set(req.workflowId, req.pin ?? ANY_UPSTREAM);
      // A waiter whose job ended without asking again stays until the next wake; the oldest go first past the cap.
      if (this.waiters.size > MAX_WAITERS) this.waiters.delete(this.waiters.keys().next().value!);
    }
    if (decision.kind !== 'routed') return decision;
    this.cursor++;
    this.totals.reserved++;
    this.reservations.set(req.requestId, {
      requestId: req.requestId,
      workflowId: req.workflowId,
      upstreamId: decision.upstreamId,
      mode: decision.mode,
      price: decision.price,
      currency: decision.currency,
      reservedAt: now,
    });
    return decision;
  }

  /**
   * Applies a submit's outcome. Only a report on a live reservation of that upstream changes counts or cooldowns,
   * so a repeated report (a retried activity) and a report after release are harmless; a disable always applies.
   */
  report({ requestId: asked, upstreamId, report }: PoolReportInput, now: number): void {
    const r = this.find(asked, upstreamId);
    const live = r !== undefined && r.upstreamId === upstreamId;
    const requestId = r?.requestId ?? asked;
    if (report.kind === 'disable') {
      if (live) this.drop(requestId, 'released');
      this.disable(upstreamId, report.reason, report.message, now);
      return;
    }
    if (!live) return;
    if (report.kind === 'accepted') this.accept(r, report.taskId, now);
    else if (report.kind === 'failover') this.failover(r, report, now);
    else if (report.kind === 'job-error') this.drop(requestId, 'released');
    // 'unknown': the reservation stays in flight until the same upstream is reconciled.
  }

  /** Frees a reservation (terminal task, ended job); unknown or foreign request ids are ignored. */
  release(requestId: string, upstreamId: string): boolean {
    const r = this.find(requestId, upstreamId);
    if (!r || r.upstreamId !== upstreamId) return false;
    this.drop(r.requestId, 'released');
    return true;
  }

  /**
   * A reservation by request id, or by `<stateKey>#` (a {@link ANY_ATTEMPT} id): that step's reservation on that
   * upstream, whichever attempt made it. A task found by searching every upstream after its attempt's worker died
   * has lost the attempt's id, yet it must still be counted and its slot freed when it ends.
   */
  private find(requestId: string, upstreamId: string): UpstreamReservation | undefined {
    const exact = this.reservations.get(requestId);
    if (exact || !requestId.endsWith(ANY_ATTEMPT)) return exact;
    let found: UpstreamReservation | undefined;
    for (const r of this.reservations.values()) {
      if (r.upstreamId !== upstreamId || !r.requestId.startsWith(requestId)) continue;
      if (r.acceptedTaskId === undefined) return r;
      found ??= r;
    }
    return found;
  }

  /** Frees a reservation whose workflow closed without releasing it. */
  reclaim(requestId: string): boolean {
    if (!this.reservations.has(requestId)) return false;
    this.drop(requestId, 'reclaimed');
    return true;
  }

  /** Operator switch: disable with reason `operator`, or enable (clears disable, cooldown, fast exhaustion). */
  setEnabled(change: UpstreamEnableChange, now: number): UpstreamHealthSnapshot {
    const s = this.state(change.upstreamId, now);
    if (change.enabled) {
      delete s.disabled;
      delete s.cooldownUntil;
      delete s.cooldownReason;
      delete s.fastExhaustedUntil;
      s.failures = 0;
      this.wake(change.upstreamId);
    } else {
      s.disabled = { reason: 'operator', message: change.message ?? 'disabled by an operator', since: now };
    }
    return this.snapshotOf(change.upstreamId, now);
  }

  /**
   * Queues a wake for the waiters `upstreamId` may let through (those pinned to it and those not pinned), or for every
   * waiter (`undefined`); they leave the list (a waiter told to wait again is recorded again).
   */
  wake(upstreamId: string | undefined): void {
    for (const [workflowId, on] of [...this.waiters]) {
      if (upstreamId !== undefined && on !== upstreamId && on !== ANY_UPSTREAM) continue;
      this.waiters.delete(workflowId);
      this.wakes.push({ workflowId, ...(upstreamId !== undefined ? { upstreamId } : {}) });
    }
  }

  /**
   * Upstreams worth probing now: cooling down after connection failures (a down proxy, which answers nothing) while
   * a workflow waits that one of them would let through. Other cooldowns (23, 429, 5xx) end on their own time: an
   * answering proxy says nothing of its room.
   */
  probeTargets(now: number): string[] {
    if (this.waiters.size === 0) return [];
    const wanted = new Set(this.waiters.values());
    return this.config.views
      .map((v) => v.id)
      .filter((id) => wanted.has(id) || wanted.has(ANY_UPSTREAM))
      .filter((id) => {
        const s = this.states.get(id);
        return s?.cooldownReason === 'connection' && s.cooldownUntil !== undefined && s.cooldownUntil > now;
      });
  }

  /** A probe found `upstreamId` answering again: its connection cooldown ends now and its waiters are woken. */
  cameBack(upstreamId: string, now: number): void {
    const s = this.state(upstreamId, now);
    if (s.cooldownReason !== 'connection') return;
    delete s.cooldownUntil;
    delete s.cooldownReason;
    s.failures = 0;
    this.wake(upstreamId);
  }

  /** The queued wakes, emptied. */
  takeWakes(): { workflowId: string; upstreamId?: string }[] {
    return this.wakes.splice(0);
  }

  isConfigured(upstreamId: string): boolean {
    return this.config.views.some((v) => v.id === upstreamId);
  }

  /** Workflow ids holding reservations (each once), for the reclaim check. */
  holders(): string[] {
    return [...new Set([...this.reservations.values()].map((r) => r.workflowId))];
  }

  /** What the health query shows: every configured upstream, no secrets. */
  snapshot(now: number): UpstreamPoolSnapshot {
    return {
      configVersion: this.config.version,
      routing: this.config.routing,
      upstreams: this.config.views.map((v) => this.snapshotOf(v.id, now)),
      reservations: this.reservations.size,
      totals: { ...this.totals },
      generation: this.generation,
    };
  }

  toCarry(): UpstreamPoolCarry {
    return {
      config: this.config,
      states: Object.fromEntries(this.states),
      reservations: [...this.reservations.values()],
      cursor: this.cursor,
      totals: { ...this.totals },
      generation: this.generation + 1,
      ...(this.waiters.size > 0 ? { waiters: Object.fromEntries(this.waiters) } : {}),
    };
  }

  /** Health of every configured upstream as routing reads it, in-flight counted from the reservations. */
  routeHealth(now: number): Record<string, RouteHealth> {
    const out: Record<string, RouteHealth> = {};
    for (const v of this.config.views) {
      const { failures: _failures, ...s } = this.state(v.id, now);
      out[v.id] = { ...s, inFlight: this.inFlightOf(v.id) };
    }
    return out;
  }

  private snapshotOf(id: string, now: number): UpstreamHealthSnapshot {
    const s = this.state(id, now);
    const blocked = [...this.blockReasons(s, now)][0];
    return { id, ...s, accepted: { ...s.accepted }, inFlight: this.inFlightOf(id), ...(blocked ? { blocked } : {}) };
  }

  private *blockReasons(s: PoolUpstreamState, now: number): Generator<string> {
    if (s.disabled) yield `disabled:${s.disabled.reason}`;
    if (s.cooldownUntil !== undefined && s.cooldownUntil > now) yield `cooldown:${s.cooldownReason ?? 'server-error'}`;
    if (s.fastExhaustedUntil !== undefined && s.fastExhaustedUntil > now) yield 'fast-exhausted';
  }

  private inFlightOf(id: string): Partial<Record<SpeedMode, number>> {
    const out: Partial<Record<SpeedMode, number>> = {};
    for (const r of this.reservations.values()) if (r.upstreamId === id) out[r.mode] = (out[r.mode] ?? 0) + 1;
    return out;
  }

  /** The upstream's state, created on first use and rolled to today (yesterday's counts dropped). */
  private state(id: string, now: number): PoolUpstreamState {
    let s = this.states.get(id);
    if (!s) this.states.set(id, (s = freshState(now)));
    const today = utcDay(now);
    if (s.day !== today) {
      s.day = today;
      s.accepted = {};
    }
    return s;
  }

  private accept(r: UpstreamReservation, taskId: string, now: number): void {
    if (r.acceptedTaskId !== undefined) return;
    r.acceptedTaskId = taskId;
    const s = this.state(r.upstreamId, now);
    s.accepted[r.mode] = (s.accepted[r.mode] ?? 0) + 1;
    s.failures = 0;
    this.totals.accepted++;
  }

  private failover(r: UpstreamReservation, report: Extract<SubmitReport, { kind: 'failover' }>, now: number): void {
    this.drop(r.requestId, 'released');
    this.totals.failovers++;
    const s = this.state(r.upstreamId, now);
    if (report.reason === 'fast-exhausted') {
      // Fast hours come back with the plan's reset; without a hint, at the next UTC midnight.
      s.fastExhaustedUntil = now + (report.retryAfterMs ?? nextUtcDayStart(now) - now);
      return;
    }
    // Submits already in flight when the upstream went bad report one outage, not failovers in a row: only a
    // reservation made after the last escalation counts, or N concurrent refusals of a dead upstream would cool it
    // for 30 s × 2^(N-1) (and hold the follow-ups pinned there as long).
    const sameOutage = s.failures > 0 && s.escalatedAt !== undefined && r.reservedAt <= s.escalatedAt;
    if (!sameOutage) {
      s.failures = Math.min(s.failures + 1, MAX_FAILURES);
      s.escalatedAt = now;
    }
    const until = now + cooldownMs(s.failures, report.retryAfterMs);
    // Two failovers reported close together never shorten the cooldown.
    if (s.cooldownUntil === undefined || until > s.cooldownUntil) {
      s.cooldownUntil = until;
      s.cooldownReason = report.reason;
    }
  }

  private disable(upstreamId: string, reason: DisableKind, message: string, now: number): void {
    const s = this.state(upstreamId, now);
    if (s.disabled?.reason === reason) return;
    s.disabled = { reason, message, since: now };
  }

  private drop(requestId: string, how: 'released' | 'reclaimed'): void {
    this.reservations.delete(requestId);
    this.totals[how]++;
  }

  private decisionOf(r: UpstreamReservation): RouteDecision {
    return { kind: 'routed', upstreamId: r.upstreamId, mode: r.mode, price: r.price, currency: r.currency };
  }
}
