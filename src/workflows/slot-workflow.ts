/**
 * `slotManagerWorkflow`: one entity workflow per account × speed mode (id `mj-slots-<account>-<mode>`) that hands out
 * slots, so an account never runs more upstream jobs at once than MidJourney allows it (e.g. 12 fast / 3 relax).
 *
 * - Holders (job workflows, through `withAccountSlot` in `./slots`) ask with `acquireSlotSignal`, sent by an activity
 *   with signal-with-start; they wait in one FIFO queue and get `slotGrantedSignal` when the limit, the optional daily
 *   cap (UTC day), the minimum spacing between grants and a back-pressure cool-down all allow it.
 * - A holder is identified by workflow id and `<firstExecutionRunId>/<key>`, so a request repeated by a retried
 *   activity, a refreshed wait or a continued-as-new run keeps its place or its slot; releasing twice is harmless.
 * - Holders release with `releaseSlotSignal` when done, failed or cancelled. A holder that closes without releasing
 *   (terminated, timed out, worker bug) is found by a periodic describe (every `reclaimInterval`, jittered) and its
 *   slot reclaimed; a grant that cannot be delivered (holder gone) frees the slot at once.
 * - Limits come from the first request and follow later requests until an operator sets them with
 *   `configureSlotsUpdate` (pinned). The manager continues as new with its queue and holders when history grows.
 *
 * History: about 15 events per job (request, grant, release) plus about 11 per reclaim check while slots are held.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createSlotActivities } from '../activities/slots';
import type { SpeedMode } from '../mj/types';
import {
  MAX_SLOT_LIMIT,
  SLOT_COOL_DOWN,
  SLOT_MANAGER_CONTINUE_AS_NEW_EVENTS,
  SLOT_MANAGER_ID_PREFIX,
  SLOT_RECLAIM_INTERVAL,
} from '../shared/defaults';
import { durationToMs, isDuration, type Duration } from '../shared/duration';
import type { SlotLimits } from '../shared/types';

type SlotActivities = ReturnType<typeof createSlotActivities>;

const DAY_MS = 86_400_000;

/** `ApplicationFailure.type` values of the slot manager. */
export const SLOT_FAILURE = {
  /** Limits out of range: rejected by `configureSlotsUpdate`'s validator, or the manager's start input. */
  invalidLimits: 'InvalidSlotLimits',
} as const;

/** A holder's request for a slot (payload of {@link acquireSlotSignal}). */
export interface SlotRequest {
  /** The holder workflow; grants are signalled without a run id, so a continued-as-new run receives them. */
  workflowId: string;
  /** `<firstExecutionRunId>/<key>`: the same across continue-as-new and workflow retries of the holder. */
  requestId: string;
  /** The holder's first run id: a workflow id reused by another execution chain is another holder. */
  firstRunId: string;
  /** The holder already runs upstream work under this slot (a continued run): grant at once, even over the limit. */
  resume?: boolean;
  /** The limits the holder was started with; adopted unless an operator pinned the manager's limits. */
  limits?: SlotLimits;
}

/** Payload of {@link releaseSlotSignal}: withdraws a waiting request or frees a held slot. */
export interface SlotRelease {
  workflowId: string;
  requestId: string;
}

/** Payload of {@link slotGrantedSignal}, sent to the holder. */
export interface SlotGrant {
  requestId: string;
  /** Grant number within the manager; a repeated grant of the same slot keeps its lease. */
  lease: number;
  /** When the manager granted the slot first (epoch ms, manager workflow time). */
  grantedAt: number;
}

/** Payload of {@link reportBackPressureSignal}: the proxy said "queue full" (code 23) or 429. */
export interface SlotBackPressure {
  /** Pause new grants this long. @default SLOT_COOL_DOWN.default (capped at SLOT_COOL_DOWN.max) */
  retryAfterMs?: number;
}

/** Argument of {@link configureSlotsUpdate}. Omitted fields stay; `null` clears an optional limit. */
export interface SlotConfigChange {
  limit?: number;
  dailyCap?: number | null;
  minSpacing?: Duration | null;
  /** Keep these limits even when holders ask with others. @default true */
  pin?: boolean;
}

export interface SlotHolder {
  workflowId: string;
  requestId: string;
  firstRunId: string;
  lease: number;
  /** Epoch ms (manager workflow time). */
  grantedAt: number;
}

export interface SlotWaiter {
  workflowId: string;
  requestId: string;
  firstRunId: string;
  requestedAt: number;
}

export type SlotBlock = 'limit' | 'daily-cap' | 'cool-down' | 'spacing';

/** Answer of {@link getSlotsQuery}. */
export interface SlotsSnapshot {
  account: string;
  mode: SpeedMode;
  limits: SlotLimits;
  pinned: boolean;
  holders: SlotHolder[];
  /** In grant order. */
  waiting: SlotWaiter[];
  /** The current UTC day, `YYYY-MM-DD`, and the slots granted on it. */
  day: string;
  grantedToday: number;
  /** Why the head of the queue waits, and until when if a timer ends it. */
  blocked?: { by: SlotBlock; until?: number };
  coolDownUntil?: number;
  /** `granted = released + reclaimed + holders` over the manager's life. */
  totals: SlotTotals;
  /** Continue-as-new count. */
  generation: number;
}

export interface SlotTotals {
  granted: number;
  released: number;
  reclaimed: number;
}

/** What survives a continue-as-new of the manager. */
export interface SlotManagerCarry {
  limits: SlotLimits;
  pinned: boolean;
  holders: SlotHolder[];
  waiting: SlotWaiter[];
  /** Holders whose grant must be (re)sent. */
  resend: SlotRelease[];
  day: number;
  grantedToday: number;
  lastGrantAt?: number;
  coolDownUntil?: number;
  nextLease: number;
  totals: SlotTotals;
  generation: number;
}

export interface SlotManagerInput {
  account: string;
  mode: SpeedMode;
  limits: SlotLimits;
  /** How often holders are checked for a closed workflow. @default SLOT_RECLAIM_INTERVAL */
  reclaimInterval?: Duration;
  /** @default SLOT_MANAGER_CONTINUE_AS_NEW_EVENTS */
  continueAsNewAfterEvents?: number;
  /** Internal: state carried across continue-as-new. */
  carry?: SlotManagerCarry;
}

/** Reference to a holder for the liveness check. */
export interface SlotHolderRef {
  workflowId: string;
  firstRunId: string;
}

/** `closed`: the holder's chain ended (or the id now belongs to another chain); `unknown`: describe failed. */
export type SlotHolderState = 'running' | 'closed' | 'unknown';

/** Asks for a slot; idempotent per holder and request id. Sent by the `acquireSlot` activity (signal-with-start). */
export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquireSlot');

/** Gives a slot back (or withdraws a waiting request); unknown requests are ignored. */
export const releaseSlotSignal = defineSignal<[SlotRelease]>('releaseSlot');

/** A holder saw back-pressure upstream: no new grants for a while, so the whole account slows down. */
export const reportBackPressureSignal = defineSignal<[SlotBackPressure]>('reportBackPressure');

/** Sent by the manager to a holder: its slot is granted. */
export const slotGrantedSignal = defineSignal<[SlotGrant]>('slotGranted');

/** Limits, holders, the waiting queue, today's grants and why the queue waits. */
export const getSlotsQuery = defineQuery<SlotsSnapshot>('getSlots');

/** Changes (and by default pins) the limits at runtime; answers the limits now in force. */
export const configureSlotsUpdate = defineUpdate<SlotLimits, [SlotConfigChange]>('configureSlots');

/** Deterministic id of the manager of an account × mode. */
export function slotManagerId(account: string, mode: SpeedMode): string {
  return `${SLOT_MANAGER_ID_PREFIX}-${account}-${mode.toLowerCase()}`;
}

/** Why limits are unusable, or null. */
export function slotLimitsProblem(limits: SlotLimits | undefined): string | null {
  if (!limits || typeof limits !== 'object') return 'slot limits are missing';
  const { limit, dailyCap, minSpacing } = limits;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SLOT_LIMIT) {
    return `slot limit must be an integer from 1 to ${MAX_SLOT_LIMIT} (got ${String(limit)})`;
  }
  if (dailyCap !== undefined && (!Number.isInteger(dailyCap) || dailyCap < 1)) {
    return `dailyCap must be a positive integer (got ${String(dailyCap)})`;
  }
  if (
    minSpacing !== undefined &&
    (typeof minSpacing !== 'string' || !isDuration(minSpacing) || durationToMs(minSpacing) > DAY_MS)
  ) {
    return `minSpacing must be a duration of at most 1d such as "20s" (got ${String(minSpacing)})`;
  }
  return null;
}

/** Plain copy without undefined fields, so limits compare and serialise the same everywhere. */
function normalLimits(l: SlotLimits): SlotLimits {
  return {
    limit: l.limit,
    ...(l.dailyCap !== undefined ? { dailyCap: l.dailyCap } : {}),
    ...(l.minSpacing !== undefined ? { minSpacing: l.minSpacing } : {}),
  };
}

function sameLimits(a: SlotLimits, b: SlotLimits): boolean {
  return a.limit === b.limit && a.dailyCap === b.dailyCap && a.minSpacing === b.minSpacing;
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
  return normalLimits(next);
}

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

  constructor(limits: SlotLimits, carry?: SlotManagerCarry) {
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
  configureProblem(change: SlotConfigChange): string | null {
    if (!change || typeof change !== 'object') return 'configureSlots needs an object';
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
    const gates: { by: SlotBlock; until: number }[] = [];
    if (this.limits.dailyCap !== undefined && this.grantedTodayAt(now) >= this.limits.dailyCap) {
      gates.push({ by: 'daily-cap', until: (Math.floor(now / DAY_MS) + 1) * DAY_MS });
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
      const w = this.waiting.shift() as SlotWaiter;
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
      day: new Date(Math.floor(now / DAY_MS) * DAY_MS).toISOString().slice(0, 10),
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

  private holderOf(r: { workflowId: string; requestId: string; firstRunId: string }, now: number): SlotHolder {
    this.totals.granted++;
    return {
      workflowId: r.workflowId,
      requestId: r.requestId,
      firstRunId: r.firstRunId,
      lease: this.nextLease++,
      grantedAt: now,
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

// Describe calls are cheap reads; a failed check is simply tried again at the next interval.
const { describeSlotHolders } = proxyActivities<SlotActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
});

function jittered(ms: number, fraction: number): number {
  return Math.max(1, Math.round(ms * (1 + (Math.random() * 2 - 1) * fraction)));
}

function invalidLimits(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: SLOT_FAILURE.invalidLimits, message, nonRetryable: true });
}

export async function slotManagerWorkflow(input: SlotManagerInput): Promise<void> {
  const problem = slotLimitsProblem(input.carry?.limits ?? input.limits);
  if (problem) throw invalidLimits(problem);
  const { account, mode } = input;
  const book = new SlotBook(input.limits, input.carry);
  const reclaimMs = durationToMs(input.reclaimInterval ?? SLOT_RECLAIM_INTERVAL);
  const now = (): number => Date.now();
  let dirty = false;
  let reclaimAt: number | undefined;

  setHandler(acquireSlotSignal, (req) => {
    if (!req || typeof req.workflowId !== 'string' || typeof req.requestId !== 'string') return;
    book.request(req, now());
    dirty = true;
  });
  setHandler(releaseSlotSignal, (rel) => {
    if (!rel || typeof rel.workflowId !== 'string' || typeof rel.requestId !== 'string') return;
    book.release(rel);
    dirty = true;
  });
  setHandler(reportBackPressureSignal, (bp) => {
    book.coolDown(now(), bp?.retryAfterMs);
    dirty = true;
  });
  setHandler(getSlotsQuery, () => book.snapshot(now(), account, mode));
  setHandler(
    configureSlotsUpdate,
    (change) => {
      const limits = book.configure(change);
      log.info('slot limits configured', { account, mode, limits, pinned: book.pinned });
      dirty = true;
      return limits;
    },
    {
      validator: (change) => {
        const why = book.configureProblem(change);
        if (why) throw invalidLimits(why);
      },
    }
  );

  async function sendGrant(h: SlotHolder): Promise<void> {
    try {
      await getExternalWorkflowHandle(h.workflowId).signal(slotGrantedSignal, {
        requestId: h.requestId,
        lease: h.lease,
        grantedAt: h.grantedAt,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The holder closed before its grant arrived: the slot is free again at once.
      if (book.reclaim(h)) log.info('slot holder gone before its grant', { account, mode, workflowId: h.workflowId });
      dirty = true;
    }
  }

  async function reclaimClosedHolders(): Promise<void> {
    const holders = [...book.holders.values()];
    let states: SlotHolderState[];
    try {
      states = await describeSlotHolders({
        holders: holders.map((h) => ({ workflowId: h.workflowId, firstRunId: h.firstRunId })),
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('slot holder check failed; trying again later', { account, mode, error: String(err) });
      return;
    }
    holders.forEach((h, i) => {
      if (states[i] === 'closed' && book.reclaim(h)) {
        log.warn('slot reclaimed from a closed holder', { account, mode, workflowId: h.workflowId, lease: h.lease });
      }
    });
  }

  function shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      info.historyLength > (input.continueAsNewAfterEvents ?? SLOT_MANAGER_CONTINUE_AS_NEW_EVENTS)
    );
  }

  for (;;) {
    dirty = false;
    const grants = book.takeGrants(now());
    if (grants.length > 0) await Promise.all(grants.map(sendGrant));

    if (book.holders.size === 0) reclaimAt = undefined;
    else reclaimAt ??= now() + jittered(reclaimMs, 0.2);

    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      if (!book.hasGrantsToSend) {
        await continueAsNew<typeof slotManagerWorkflow>({ ...input, limits: book.limits, carry: book.toCarry() });
      }
    }

    const gateAt = book.blocked(now())?.until;
    const wakeAt = [gateAt, reclaimAt]
      .filter((t): t is number => t !== undefined)
      .reduce((a, b) => Math.min(a, b), Infinity);
    if (!dirty) {
      if (wakeAt === Infinity) await condition(() => dirty);
      else if (wakeAt > now()) await condition(() => dirty, wakeAt - now());
    }

    if (reclaimAt !== undefined && now() >= reclaimAt) {
      await reclaimClosedHolders();
      reclaimAt = book.holders.size > 0 ? now() + jittered(reclaimMs, 0.2) : undefined;
    }
  }
}
