/**
 * The cost ledger's state and rules (`LedgerBook`), with no Temporal calls, so unit tests cover the arithmetic.
 * Workflow-safe.
 *
 * - Charges are kept by key (idempotent) in a bounded, recent detail (`charges`), and added at once to running
 *   totals per tag (all, tenant, pipeline, batch, upstream, mode) × currency, for the charge's UTC day, UTC month and
 *   the ledger's whole life. Per-job figures come from the detail only: job ids are unbounded, tags are not.
 * - A refund of an unknown key is KEPT PENDING (about two days) and applied when its charge arrives: charge and
 *   refund come from different activities (submit, poll) that retry independently, so their order is not promised.
 * - Amounts are summed in integer micro-units (1e-6), so a thousand 0.05 charges are exactly 50.
 * - `toCarry` folds the old detail into the totals (they already hold it), drops day buckets beyond 35 days and month
 *   buckets beyond 25 months, so state and the continue-as-new payload stay bounded whatever the traffic.
 * - HOLDS make budgets exact under concurrency: `hold` checks spend + the other holds + the price and records the
 *   hold in one step; the charge of the same key replaces it, `releaseHold` drops it, and it expires after
 *   `holdTtlMs` of workflow time. Holds are few (submits under way), so they are summed by a scan, not totalled.
 */
import { DAY_MS, utcDay, utcMonth } from '../../shared/utc-calendar';
import type { BudgetHold, BudgetVerdict, Charge, CostTags, Refund } from '../../shared/upstreams/types';
import { normalBudget } from './budget-rules';
import {
  DEFAULT_CURRENCY,
  type AuthorizeRequest,
  type Budget,
  type BudgetStatus,
  type ChargeAck,
  type ChargeRecord,
  type HoldRecord,
  type LedgerCarry,
  type LedgerStats,
  type MicroTotals,
  type RefundAck,
  type ReleaseAck,
  type SpendFilter,
  type SpendReport,
  type SpendTotals,
} from './messages';

/** Limits of what the ledger keeps; each has a default sized so a continue-as-new payload stays well under 1 MB. */
export interface LedgerLimits {
  /** Charges kept in detail (idempotency window, per-job figures). @default 1000 */
  maxDetail: number;
  /** Detail older than this is folded. @unit ms @default 7 days */
  detailMaxAgeMs: number;
  /** A refund waits this long for its charge. @unit ms @default 2 days */
  pendingRefundMs: number;
  /** UTC day buckets kept. @default 35 */
  daysKept: number;
  /** UTC month buckets kept. @default 25 */
  monthsKept: number;
  /**
   * A hold not charged or released within this long stops counting and is dropped, so a lost worker or a job that
   * gave up never locks a budget for good. It must outlive every normal path from hold to charge: the submit (75 s),
   * the reconcile of an unknown outcome (seconds to minutes) and `settleRoutedSubmit`'s retries of a charge the
   * ledger could not take at once (schedule-to-close 1 h). @unit ms @default 2 hours
   */
  holdTtlMs: number;
}

export const DEFAULT_LEDGER_LIMITS: LedgerLimits = {
  maxDetail: 1000,
  detailMaxAgeMs: 7 * DAY_MS,
  pendingRefundMs: 2 * DAY_MS,
  daysKept: 35,
  monthsKept: 25,
  holdTtlMs: 2 * 3_600_000,
};

/** Tags a total is kept for (one list). `all` has the single id `*`. */
export const TOTAL_DIMENSIONS = ['all', 'tenant', 'pipeline', 'batch', 'upstream', 'mode'] as const;
export type TotalDimension = (typeof TOTAL_DIMENSIONS)[number];

type Buckets = Record<string, MicroTotals>;

export const toMicros = (amount: number): number => Math.round(amount * 1e6);
const fromMicros = (micros: number): number => micros / 1e6;

function bucketKey(dim: TotalDimension, id: string, currency: string): string {
  return JSON.stringify([dim, id, currency]);
}

function parseKey(key: string): [TotalDimension, string, string] {
  return JSON.parse(key) as [TotalDimension, string, string];
}

/** The totals a charge counts in: one per tag it carries. */
function dimensionsOf(c: Charge): [TotalDimension, string][] {
  const out: [TotalDimension, string][] = [
    ['all', '*'],
    ['upstream', c.upstreamId],
    ['mode', c.mode],
  ];
  if (c.tenant) out.push(['tenant', c.tenant]);
  if (c.pipelineId) out.push(['pipeline', c.pipelineId]);
  if (c.batchId) out.push(['batch', c.batchId]);
  return out;
}

const FILTER_DIMENSIONS: [keyof SpendFilter, TotalDimension][] = [
  ['tenant', 'tenant'],
  ['pipelineId', 'pipeline'],
  ['batchId', 'batch'],
  ['upstreamId', 'upstream'],
  ['mode', 'mode'],
];

function emptyTotals(): MicroTotals {
  return { charged: 0, refunded: 0, charges: 0, refunds: 0 };
}

function spendTotals(t: MicroTotals): SpendTotals {
  return {
    charged: fromMicros(t.charged),
    refunded: fromMicros(t.refunded),
    net: fromMicros(t.charged - t.refunded),
    charges: t.charges,
    refunds: t.refunds,
  };
}

function matches(c: ChargeRecord | HoldRecord, f: SpendFilter): boolean {
  return (
    (f.tenant === undefined || c.tenant === f.tenant) &&
    (f.batchId === undefined || c.batchId === f.batchId) &&
    (f.pipelineId === undefined || c.pipelineId === f.pipelineId) &&
    (f.jobId === undefined || c.jobId === f.jobId) &&
    (f.upstreamId === undefined || c.upstreamId === f.upstreamId) &&
    (f.mode === undefined || c.mode === f.mode) &&
    (f.since === undefined || c.at >= f.since)
  );
}

/** The id a budget counts for these tags, or undefined when the budget does not apply to them. */
function budgetTarget(b: Budget, tags: CostTags): [TotalDimension, string] | undefined {
  if (b.scope === 'all') return ['all', '*'];
  const id = b.scope === 'tenant' ? tags.tenant : b.scope === 'batch' ? tags.batchId : tags.pipelineId;
  if (id === undefined || (b.id !== undefined && b.id !== id)) return undefined;
  return [b.scope, id];
}

/** Whether two times fall in the same budget window (UTC day, UTC month, or always for `total`). */
function sameWindow(period: Budget['period'], a: number, b: number): boolean {
  return period === 'day' ? utcDay(a) === utcDay(b) : period === 'month' ? utcMonth(a) === utcMonth(b) : true;
}

/** The id of budget `b` that hold `h` counts against in the window of `at` and in `currency`, if any. */
function holdTarget(b: Budget, h: HoldRecord, at: number, currency: string): string | undefined {
  return h.currency === currency && sameWindow(b.period, h.at, at) ? budgetTarget(b, h)?.[1] : undefined;
}

/** A clean copy of a hold request (only known fields), with its expiry. */
function holdRecord(h: BudgetHold, expiresAt: number): HoldRecord {
  const { key, jobId, upstreamId, action, mode, price, currency, at, tenant, pipelineId, batchId } = h;
  return {
    key,
    jobId,
    upstreamId,
    action,
    mode,
    price,
    currency,
    at,
    ...(tenant !== undefined ? { tenant } : {}),
    ...(pipelineId !== undefined ? { pipelineId } : {}),
    ...(batchId !== undefined ? { batchId } : {}),
    expiresAt,
  };
}

export function budgetName(b: Budget, id: string | undefined): string {
  return `${b.scope}:${id ?? b.id ?? '*'}/${b.period}`;
}

export class LedgerBook {
  budgets: Budget[];
  private readonly charges = new Map<string, ChargeRecord>();
  private readonly pending = new Map<string, Refund>();
  private readonly holds = new Map<string, HoldRecord>();
  private readonly days: Record<string, Buckets>;
  private readonly months: Record<string, Buckets>;
  private readonly total: Buckets;
  private foldedThrough?: number;
  readonly stats: LedgerStats;
  readonly generation: number;
  private readonly limits: LedgerLimits;

  constructor(budgets: Budget[] = [], carry?: LedgerCarry, limits: Partial<LedgerLimits> = {}) {
    this.limits = { ...DEFAULT_LEDGER_LIMITS, ...limits };
    this.budgets = (carry?.budgets ?? budgets).map(normalBudget);
    for (const c of carry?.charges ?? []) this.charges.set(c.key, c);
    for (const r of carry?.pendingRefunds ?? []) this.pending.set(r.key, r);
    // A carry from before holds has none: nothing was held then, so nothing is lost.
    for (const h of carry?.holds ?? []) this.holds.set(h.key, h);
    this.days = carry?.days ?? {};
    this.months = carry?.months ?? {};
    this.total = carry?.total ?? {};
    this.foldedThrough = carry?.foldedThrough;
    this.stats = {
      charges: 0,
      duplicateCharges: 0,
      refunds: 0,
      duplicateRefunds: 0,
      droppedRefunds: 0,
      ...carry?.stats,
    };
    this.generation = carry?.generation ?? 0;
  }

  /**
   * Records an accepted task (its hold, if any, becomes this spend); a second charge with the same key changes
   * nothing.
   */
  charge(c: Charge): ChargeAck {
    this.holds.delete(c.key);
    if (this.charges.has(c.key)) {
      this.stats.duplicateCharges++;
      return { status: 'duplicate', refunded: false };
    }
    const record: ChargeRecord = { ...c };
    this.charges.set(c.key, record);
    this.stats.charges++;
    this.add(record, 'charged', 'charges', true);
    const early = this.pending.get(c.key);
    if (early) {
      this.pending.delete(c.key);
      this.applyRefund(record, early);
    }
    return early
      ? { status: 'recorded', refunded: true, refundReason: early.reason }
      : { status: 'recorded', refunded: false };
  }

  /** Refunds a charge by key, once; a refund of a key not charged yet waits for it. */
  refund(r: Refund): RefundAck {
    const charge = this.charges.get(r.key);
    if (!charge) {
      if (this.pending.has(r.key)) {
        this.stats.duplicateRefunds++;
        return { status: 'duplicate' };
      }
      this.pending.set(r.key, { key: r.key, reason: r.reason, at: r.at });
      return { status: 'pending' };
    }
    const { price, currency, upstreamId, mode, tenant } = charge;
    const summary = { price, currency, upstreamId, mode, ...(tenant !== undefined ? { tenant } : {}) };
    if (charge.refund) {
      this.stats.duplicateRefunds++;
      return { status: 'duplicate', charge: summary };
    }
    this.applyRefund(charge, r);
    return { status: 'refunded', charge: summary };
  }

  /** Replaces the budgets (validated by the caller with `budgetListProblems`); absent, they stay. */
  setBudgets(budgets: Budget[] | undefined): Budget[] {
    if (budgets !== undefined) this.budgets = budgets.map(normalBudget);
    return this.budgets;
  }

  /**
   * Whether `price` passes every budget of `tags` in `currency`, counting spend and the active holds of other keys;
   * a refusing budget is named before a parking one. `budgeted`: some budget applies, so a submit must hold.
   */
  authorize(req: AuthorizeRequest): BudgetVerdict {
    return this.check(req, req.at);
  }

  /**
   * Checks and holds in one step (see the module comment). The same key again: ok, held once (its expiry starts
   * over, as a resubmit under that key is a new attempt). A key already charged needs no hold. A refusal, or tags no
   * budget applies to, hold nothing. `now`: workflow time, for expiry.
   */
  hold(h: BudgetHold, now: number): BudgetVerdict {
    this.expireHolds(now);
    if (this.charges.has(h.key)) return { ok: true };
    const expiresAt = now + this.limits.holdTtlMs;
    const own = this.holds.get(h.key);
    if (own && own.price === h.price && own.currency === h.currency) {
      own.expiresAt = expiresAt;
      return { ok: true, budgeted: true };
    }
    // No hold yet, or one at another price (a resubmit routed elsewhere): check afresh without it.
    this.holds.delete(h.key);
    const verdict = this.check({ tags: h, price: h.price, currency: h.currency, at: h.at, key: h.key }, now);
    if (verdict.ok && verdict.budgeted) this.holds.set(h.key, holdRecord(h, expiresAt));
    return verdict;
  }

  /** Drops the hold of a submit known not accepted. */
  releaseHold(key: string, now: number): ReleaseAck {
    this.expireHolds(now);
    return { status: this.holds.delete(key) ? 'released' : 'absent' };
  }

  /** The hold of `key` still active at `at`, or null. */
  holdOf(key: string, at: number): HoldRecord | null {
    const h = this.holds.get(key);
    return h && h.expiresAt > at ? { ...h } : null;
  }

  /** Spend matching a filter, per currency: from the running totals when they can answer, else from the detail. */
  spend(filter: SpendFilter): SpendReport {
    const dims = FILTER_DIMENSIONS.filter(([f]) => filter[f] !== undefined);
    const byCurrency: Record<string, MicroTotals> = {};
    const into = (currency: string): MicroTotals => (byCurrency[currency] ??= emptyTotals());
    let source: SpendReport['source'];
    let complete = true;
    if (filter.jobId === undefined && filter.since === undefined && dims.length <= 1) {
      source = 'totals';
      const [dim, id] = dims[0] ? [dims[0][1], String(filter[dims[0][0]])] : (['all', '*'] as const);
      for (const [key, t] of Object.entries(this.total)) {
        const [d, i, currency] = parseKey(key);
        if (d === dim && i === id) Object.assign(into(currency), t);
      }
    } else {
      source = 'detail';
      complete = this.foldedThrough === undefined || (filter.since ?? 0) > this.foldedThrough;
      for (const c of this.charges.values()) {
        if (!matches(c, filter)) continue;
        const t = into(c.currency);
        t.charged += toMicros(c.price);
        t.charges++;
        if (c.refund) {
          t.refunded += toMicros(c.price);
          t.refunds++;
        }
      }
    }
    const out = Object.fromEntries(Object.entries(byCurrency).map(([k, t]) => [k, spendTotals(t)]));
    const held = this.heldMatching(filter);
    return { filter, byCurrency: out, source, complete, generation: this.generation, ...(held ? { held } : {}) };
  }

  /** The charges of these jobs still in detail, in arrival order. */
  chargesOf(jobIds: readonly string[]): ChargeRecord[] {
    const wanted = new Set(jobIds);
    return [...this.charges.values()].filter((c) => wanted.has(c.jobId));
  }

  /** Each budget with its spend in the period containing `at`; an id-less budget once per id seen in it. */
  budgetStatus(at: number): BudgetStatus[] {
    return this.budgets.flatMap((b) => {
      const currency = b.currency ?? DEFAULT_CURRENCY;
      const window = b.period === 'day' ? utcDay(at) : b.period === 'month' ? utcMonth(at) : 'total';
      const ids = b.scope === 'all' ? ['*'] : b.id !== undefined ? [b.id] : this.idsOf(b, at, currency);
      return ids.map((id) => ({
        ...b,
        currency,
        name: budgetName(b, id),
        target: id,
        window,
        spent: fromMicros(this.netIn(b.period, at, b.scope, id, currency)),
        held: fromMicros(this.heldIn(b, at, id, currency, at)),
      }));
    });
  }

  /** Whether a charge with this key is recorded (in the detail). */
  has(key: string): boolean {
    return this.charges.has(key);
  }

  /** The state for the next run, with old detail folded away and old buckets dropped (see the module comment). */
  toCarry(now: number): LedgerCarry {
    const { maxDetail, detailMaxAgeMs, pendingRefundMs, daysKept, monthsKept } = this.limits;
    const all = [...this.charges.values()];
    const young = all.filter((c) => c.at >= now - detailMaxAgeMs);
    const kept = young.slice(Math.max(0, young.length - maxDetail));
    const keptKeys = new Set(kept.map((c) => c.key));
    for (const c of all) {
      if (!keptKeys.has(c.key)) this.foldedThrough = Math.max(this.foldedThrough ?? 0, c.at);
    }
    const pendingRefunds = [...this.pending.values()].filter((r) => r.at >= now - pendingRefundMs);
    this.stats.droppedRefunds += this.pending.size - pendingRefunds.length;
    this.expireHolds(now);
    const holds = [...this.holds.values()];
    const firstDay = utcDay(now - (daysKept - 1) * DAY_MS);
    const months = Object.keys(this.months).sort().slice(-monthsKept);
    return {
      budgets: this.budgets,
      charges: kept,
      pendingRefunds,
      days: Object.fromEntries(Object.entries(this.days).filter(([d]) => d >= firstDay)),
      months: Object.fromEntries(months.map((m) => [m, this.months[m]!])),
      total: this.total,
      ...(this.foldedThrough !== undefined ? { foldedThrough: this.foldedThrough } : {}),
      // Only when there are any, so a ledger that never held writes the carry it wrote before holds existed.
      ...(holds.length > 0 ? { holds } : {}),
      stats: { ...this.stats },
      generation: this.generation + 1,
    };
  }

  /** The common check of `authorize` and `hold`: spend + holds (of other keys, active at `activeAt`) + price. */
  private check(req: AuthorizeRequest, activeAt: number): BudgetVerdict {
    const price = toMicros(req.price);
    let parked: BudgetVerdict | undefined;
    let budgeted = false;
    for (const b of this.budgets) {
      if ((b.currency ?? DEFAULT_CURRENCY) !== req.currency) continue;
      const target = budgetTarget(b, req.tags);
      if (!target || price <= 0) continue;
      budgeted = true;
      const spent = this.netIn(b.period, req.at, target[0], target[1], req.currency);
      const held = this.heldIn(b, req.at, target[1], req.currency, activeAt, req.key);
      if (spent + held + price <= toMicros(b.limit)) continue;
      const verdict: BudgetVerdict = {
        ok: false,
        budget: budgetName(b, target[1]),
        limit: b.limit,
        spent: fromMicros(spent),
        ...(held > 0 ? { held: fromMicros(held) } : {}),
        price: req.price,
        currency: req.currency,
        onExceed: b.onExceed,
      };
      if (b.onExceed === 'refuse') return verdict;
      parked ??= verdict;
    }
    return parked ?? (budgeted ? { ok: true, budgeted: true } : { ok: true });
  }

  /** Micro-units held against budget `b` for target `id` in the window of `at`, by holds active at `activeAt`. */
  private heldIn(b: Budget, at: number, id: string, currency: string, activeAt: number, exceptKey?: string): number {
    let sum = 0;
    for (const h of this.holds.values()) {
      if (h.key === exceptKey || h.expiresAt <= activeAt || holdTarget(b, h, at, currency) !== id) continue;
      sum += toMicros(h.price);
    }
    return sum;
  }

  /** Per currency, what the holds matching a spend filter hold (`since` does not apply); undefined when nothing. */
  private heldMatching(filter: SpendFilter): Record<string, number> | undefined {
    const micros: Record<string, number> = {};
    for (const h of this.holds.values()) {
      if (matches(h, { ...filter, since: undefined }))
        micros[h.currency] = (micros[h.currency] ?? 0) + toMicros(h.price);
    }
    const entries = Object.entries(micros);
    return entries.length > 0 ? Object.fromEntries(entries.map(([k, v]) => [k, fromMicros(v)])) : undefined;
  }

  /** Drops holds whose time is up; `now` is workflow time in update handlers, so replay drops the same ones. */
  private expireHolds(now: number): void {
    for (const [key, h] of this.holds) {
      if (h.expiresAt > now) continue;
      this.holds.delete(key);
      this.stats.expiredHolds = (this.stats.expiredHolds ?? 0) + 1;
    }
  }

  private applyRefund(charge: ChargeRecord, r: Refund): void {
    charge.refund = { reason: r.reason, at: r.at };
    this.stats.refunds++;
    // Counted in the charge's own day and month, so a refund frees the budget of the period that paid.
    this.add(charge, 'refunded', 'refunds', false);
  }

  /** Adds a charge's price to every total it counts in; `create` false leaves dropped day/month buckets dropped. */
  private add(c: Charge, amount: 'charged' | 'refunded', count: 'charges' | 'refunds', create: boolean): void {
    const micros = toMicros(c.price);
    const day = create ? (this.days[utcDay(c.at)] ??= {}) : this.days[utcDay(c.at)];
    const month = create ? (this.months[utcMonth(c.at)] ??= {}) : this.months[utcMonth(c.at)];
    for (const buckets of [day, month, this.total]) {
      if (!buckets) continue;
      for (const [dim, id] of dimensionsOf(c)) {
        const t = (buckets[bucketKey(dim, id, c.currency)] ??= emptyTotals());
        t[amount] += micros;
        t[count]++;
      }
    }
  }

  private bucketsOf(period: Budget['period'], at: number): Buckets | undefined {
    return period === 'day' ? this.days[utcDay(at)] : period === 'month' ? this.months[utcMonth(at)] : this.total;
  }

  private netIn(period: Budget['period'], at: number, dim: TotalDimension, id: string, currency: string): number {
    const t = this.bucketsOf(period, at)?.[bucketKey(dim, id, currency)];
    return t ? t.charged - t.refunded : 0;
  }

  /** The ids an id-less budget has a figure for: those with spend in its window, and those holding in it. */
  private idsOf(b: Budget, at: number, currency: string): string[] {
    const ids = new Set(this.idsIn(b.period, at, b.scope, currency));
    for (const h of this.holds.values()) {
      const id = holdTarget(b, h, at, currency);
      if (id !== undefined) ids.add(id);
    }
    return [...ids];
  }

  private idsIn(period: Budget['period'], at: number, dim: TotalDimension, currency: string): string[] {
    return Object.keys(this.bucketsOf(period, at) ?? {})
      .map(parseKey)
      .filter(([d, , cur]) => d === dim && cur === currency)
      .map(([, id]) => id);
  }
}
