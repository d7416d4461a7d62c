/**
 * The slot manager's state and rules (`SlotBook`) and the limit checks, with no Temporal calls, so unit tests cover
 * the arithmetic. Workflow-safe.
 */
import { MAX_SLOT_LIMIT, SLOT_COOL_DOWN } from '../../shared/defaults';
import { durationToMs, isDuration } from '../../shared/duration';
import type { SpeedMode } from '../../mj/types';
import { batchSlotLimit } from '../../shared/slot-priority';
import type { SlotLimits } from '../../shared/types';
import type { RejectionDetails } from '../../shared/rejection';
import { DAY_MS, nextUtcDayStart, utcDay } from '../../shared/utc-calendar';
import type {
  SlotRequest,
  SlotRelease,
  SlotConfigChange,
  SlotHolder,
  SlotWaiter,
  SlotBlock,
  SlotsSnapshot,
  SlotTotals,
  SlotManagerCarry,
} from './messages';

/** Why limits are unusable: the field at fault, a stable rule name and a sentence for people. */
export interface SlotLimitsProblem extends RejectionDetails {
  message: string;
}

function problem(field: string, rule: string, message: string): SlotLimitsProblem {
  return { field, rule, message };
}

/** Why limits are unusable, or null. */
export function slotLimitsProblem(limits: SlotLimits | undefined): SlotLimitsProblem | null {
  if (!limits || typeof limits !== 'object') return problem('limits', 'required', 'slot limits are missing');
  const { limit, dailyCap, minSpacing, reservedForInteractive } = limits;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SLOT_LIMIT) {
    return problem(
      'limit',
      'range',
      `slot limit must be an integer from 1 to ${MAX_SLOT_LIMIT} (got ${String(limit)})`
    );
  }
  if (dailyCap !== undefined && (!Number.isInteger(dailyCap) || dailyCap < 1)) {
    return problem('dailyCap', 'positive-integer', `dailyCap must be a positive integer (got ${String(dailyCap)})`);
  }
  if (
    minSpacing !== undefined &&
    (typeof minSpacing !== 'string' || !isDuration(minSpacing) || durationToMs(minSpacing) > DAY_MS)
  ) {
    return problem(
      'minSpacing',
      'duration',
      `minSpacing must be a duration of at most 1d such as "20s" (got ${String(minSpacing)})`
    );
  }
  if (
    reservedForInteractive !== undefined &&
    (!Number.isInteger(reservedForInteractive) || reservedForInteractive < 0 || reservedForInteractive >= limit)
  ) {
    return problem(
      'reservedForInteractive',
      'range',
      `reservedForInteractive must be an integer from 0 to limit - 1 = ${limit - 1} (got ${String(reservedForInteractive)})`
    );
  }
  return null;
}

/** Plain copy without undefined fields, so limits compare and serialise the same everywhere. */
function normalLimits(l: SlotLimits): SlotLimits {
  return {
    limit: l.limit,
    ...(l.dailyCap !== undefined ? { dailyCap: l.dailyCap } : {}),
    ...(l.minSpacing !== undefined ? { minSpacing: l.minSpacing } : {}),
    ...(l.reservedForInteractive !== undefined ? { reservedForInteractive: l.reservedForInteractive } : {}),
  };
}

function sameLimits(a: SlotLimits, b: SlotLimits): boolean {
  return (
    a.limit === b.limit &&
    a.dailyCap === b.dailyCap &&
    a.minSpacing === b.minSpacing &&
    a.reservedForInteractive === b.reservedForInteractive
  );
}

function keyOf(r: { workflowId: string; requestId: string }): string {
  return JSON.stringify([r.workflowId, r.requestId]);
}

/** Limits after a change, without checking them. */
export function applyConfigChange(current: SlotLimits, change: SlotConfigChange): SlotLimits {
  const next: SlotLimits = { ...current };
  if (change.limit !== undefined) next.limit = change.limit;
  if (change.dailyCap === null) delete next.dailyCap;
  else if (change.dailyCap !== undefined) next.dailyCap = change.dailyCap;
  if (change.minSpacing === null) delete next.minSpacing;
  else if (change.minSpacing !== undefined) next.minSpacing = change.minSpacing;
  if (change.reservedForInteractive === null) delete next.reservedForInteractive;
  else if (change.reservedForInteractive !== undefined) next.reservedForInteractive = change.reservedForInteractive;
  return normalLimits(next);
}

/** How the book orders its queue. */
export interface SlotBookOptions {
  /**
   * Interactive requests go ahead of waiting batch ones, and batch work holds at most `batchSlotLimit(limits)`
   * slots. Off: one first-come queue, as managers recorded before the rule ran. @default false
   */
  prioritised?: boolean;
}

const isBatch = (r: { priority?: string }): boolean => r.priority === 'batch';

/**
 * The manager's state and rules, with no Temporal calls, so unit tests cover the arithmetic. Every method takes the
 * workflow's `now` (epoch ms).
 */
export class SlotBook {
  limits: SlotLimits;
  pinned: boolean;
  readonly holders = new Map<string, SlotHolder>();
  waiting: SlotWaiter[];
  private readonly resend = new Set<string>();
  private day: number;
  private grantedToday: number;
  private lastGrantAt?: number;
  private coolDownUntil?: number;
  private nextLease: number;
  readonly totals: SlotTotals;
  readonly generation: number;
  private readonly prioritised: boolean;

  constructor(limits: SlotLimits, carry?: SlotManagerCarry, opts: SlotBookOptions = {}) {
    this.prioritised = opts.prioritised ?? false;
    this.limits = normalLimits(carry?.limits ?? limits);
    this.pinned = carry?.pinned ?? false;
    for (const h of carry?.holders ?? []) this.holders.set(keyOf(h), h);
    this.waiting = [...(carry?.waiting ?? [])];
    for (const r of carry?.resend ?? []) this.resend.add(keyOf(r));
    this.day = carry?.day ?? 0;
    this.grantedToday = carry?.grantedToday ?? 0;
    this.lastGrantAt = carry?.lastGrantAt;
    this.coolDownUntil = carry?.coolDownUntil;
    this.nextLease = carry?.nextLease ?? 1;
    this.totals = { granted: 0, released: 0, reclaimed: 0, ...carry?.totals };
    this.generation = carry?.generation ?? 0;
  }

  /** Queues a request, or marks an existing holder's grant for a resend. Repeats keep their place. */
  request(req: SlotRequest, now: number): void {
    if (req.limits && !this.pinned && !slotLimitsProblem(req.limits) && !sameLimits(req.limits, this.limits)) {
      this.limits = normalLimits(req.limits);
    }
    const key = keyOf(req);
    if (this.holders.has(key)) {
      this.resend.add(key);
      return;
    }
    if (req.resume) {
      // The holder already runs its upstream job (e.g. the manager was reset): count it, regardless of the limit.
      this.waiting = this.waiting.filter((w) => keyOf(w) !== key);
      this.holders.set(key, this.holderOf(req, now));
      this.resend.add(key);
      return;
    }
    if (this.waiting.some((w) => keyOf(w) === key)) return;
    this.waiting.push({
      workflowId: req.workflowId,
      requestId: req.requestId,
      firstRunId: req.firstRunId,
      requestedAt: now,
      ...(isBatch(req) ? { priority: 'batch' as const } : {}),
    });
  }

  /** Frees a held slot or withdraws a waiting request; anything else is ignored. */
  release(rel: SlotRelease): 'released' | 'withdrawn' | 'unknown' {
    const key = keyOf(rel);
    this.resend.delete(key);
    if (this.holders.delete(key)) {
      this.totals.released++;
      return 'released';
    }
    const before = this.waiting.length;
    this.waiting = this.waiting.filter((w) => keyOf(w) !== key);
    return this.waiting.length < before ? 'withdrawn' : 'unknown';
  }

  /** Takes a slot back from a holder that is gone; false when the slot was meanwhile released or granted anew. */
  reclaim(holder: SlotHolder): boolean {
    const key = keyOf(holder);
    if (this.holders.get(key)?.lease !== holder.lease) return false;
    this.holders.delete(key);
    this.resend.delete(key);
    this.totals.reclaimed++;
    return true;
  }

  /** Why a change would be refused, or null. */
  configureProblem(change: SlotConfigChange): SlotLimitsProblem | null {
    if (!change || typeof change !== 'object') return problem('change', 'required', 'configureSlots needs an object');
    return slotLimitsProblem(applyConfigChange(this.limits, change));
  }

  configure(change: SlotConfigChange): SlotLimits {
    this.limits = applyConfigChange(this.limits, change);
    this.pinned = change.pin ?? true;
    return this.limits;
  }

  /** Pauses new grants after upstream back-pressure; a longer pause already running is kept. */
  coolDown(now: number, retryAfterMs?: number): void {
    const fallback = durationToMs(SLOT_COOL_DOWN.default);
    const ms = Number.isFinite(retryAfterMs) && (retryAfterMs as number) > 0 ? (retryAfterMs as number) : fallback;
    const until = now + Math.min(ms, durationToMs(SLOT_COOL_DOWN.max));
    this.coolDownUntil = Math.max(this.coolDownUntil ?? 0, until);
  }

  /** What keeps the head of the queue waiting at `now`; undefined when nothing waits or it may go. */
  blocked(now: number): { by: SlotBlock; until?: number } | undefined {
    if (this.waiting.length === 0) return undefined;
    if (this.holders.size >= this.limits.limit) return { by: 'limit' };
    if (this.nextIndex() < 0) return { by: 'interactive-share' };
    const gates: { by: SlotBlock; until: number }[] = [];
    if (this.limits.dailyCap !== undefined && this.grantedTodayAt(now) >= this.limits.dailyCap) {
      gates.push({ by: 'daily-cap', until: nextUtcDayStart(now) });
    }
    if (this.coolDownUntil !== undefined && this.coolDownUntil > now)
      gates.push({ by: 'cool-down', until: this.coolDownUntil });
    if (this.limits.minSpacing !== undefined && this.lastGrantAt !== undefined) {
      const at = this.lastGrantAt + durationToMs(this.limits.minSpacing);
      if (at > now) gates.push({ by: 'spacing', until: at });
    }
    // All gates must open, so the latest one decides; one timer instead of one per gate.
    return gates.reduce<{ by: SlotBlock; until: number } | undefined>(
      (a, g) => (!a || g.until > a.until ? g : a),
      undefined
    );
  }

  /** Grants to the head of the queue while every rule allows; returns the grants to send, resends included. */
  takeGrants(now: number): SlotHolder[] {
    this.rollDay(now);
    while (this.waiting.length > 0 && !this.blocked(now)) {
      const [w] = this.waiting.splice(this.nextIndex(), 1) as [SlotWaiter];
      const key = keyOf(w);
      this.holders.set(key, this.holderOf(w, now));
      this.resend.add(key);
      this.grantedToday++;
      this.lastGrantAt = now;
    }
    const out = [...this.resend].map((k) => this.holders.get(k)).filter((h): h is SlotHolder => h !== undefined);
    this.resend.clear();
    return out;
  }

  /**
   * Which waiter goes next: the first one; prioritised, the first interactive one, else the first batch one while
   * batch work holds fewer than its share. -1: only batch requests wait and batch work holds its share.
   */
  private nextIndex(): number {
    if (!this.prioritised) return 0;
    const interactive = this.waiting.findIndex((w) => !isBatch(w));
    if (interactive >= 0) return interactive;
    const batchHeld = [...this.holders.values()].filter(isBatch).length;
    return batchHeld < batchSlotLimit(this.limits) ? 0 : -1;
  }

  get hasGrantsToSend(): boolean {
    return this.resend.size > 0;
  }

  snapshot(now: number, account: string, mode: SpeedMode): SlotsSnapshot {
    const cool = this.coolDownUntil !== undefined && this.coolDownUntil > now ? this.coolDownUntil : undefined;
    return {
      account,
      mode,
      limits: { ...this.limits },
      pinned: this.pinned,
      holders: [...this.holders.values()],
      waiting: [...this.waiting],
      day: utcDay(now),
      grantedToday: this.grantedTodayAt(now),
      blocked: this.blocked(now),
      coolDownUntil: cool,
      totals: { ...this.totals },
      generation: this.generation,
    };
  }

  toCarry(): SlotManagerCarry {
    const parse = (k: string): SlotRelease => {
      const [workflowId, requestId] = JSON.parse(k) as [string, string];
      return { workflowId, requestId };
    };
    return {
      limits: this.limits,
      pinned: this.pinned,
      holders: [...this.holders.values()],
      waiting: this.waiting,
      resend: [...this.resend].map(parse),
      day: this.day,
      grantedToday: this.grantedToday,
      lastGrantAt: this.lastGrantAt,
      coolDownUntil: this.coolDownUntil,
      nextLease: this.nextLease,
      totals: this.totals,
      generation: this.generation + 1,
    };
  }

  private holderOf(r: Omit<SlotWaiter, 'requestedAt'>, now: number): SlotHolder {
    this.totals.granted++;
    return {
      workflowId: r.workflowId,
      requestId: r.requestId,
      firstRunId: r.firstRunId,
      lease: this.nextLease++,
      grantedAt: now,
      ...(isBatch(r) ? { priority: 'batch' as const } : {}),
    };
  }

  private grantedTodayAt(now: number): number {
    return Math.floor(now / DAY_MS) === this.day ? this.grantedToday : 0;
  }

  private rollDay(now: number): void {
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.grantedToday = 0;
    }
  }
}
