/**
 * Scripted faults. A rule names where it applies (an endpoint pattern, optionally a `state` or task id), what goes
 * wrong, how many times, and with what probability (sampled from the seeded RNG, so runs repeat).
 */
import { z } from 'zod';
import type { SeededRandom } from './random';

/** Every fault kind a rule can name. */
export const FAULT_KINDS = [
  '5xx',
  '429',
  'slow',
  'drop-response',
  'code3-after-success',
  'code3-no-instance',
  'queue-full',
  'webhook-lose',
  'webhook-duplicate',
  'webhook-reorder',
  'upstream-timeout',
  'content-policy',
  // Gateway flavour only: new-api's distributor finds no channel (503), or the channel's upstream key is wrong.
  'gateway-no-channel',
  'gateway-bad-upstream-key',
] as const;

/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Where each kind can fire; a rule's endpoint pattern narrows this further. */
const DEFAULT_SCOPE: Record<FaultKind, string> = {
  '5xx': '*',
  '429': '*',
  slow: '*',
  'drop-response': '*',
  'code3-after-success': 'submit/*',
  'code3-no-instance': 'submit/*',
  'queue-full': 'submit/*',
  'webhook-lose': 'webhook',
  'webhook-duplicate': 'webhook',
  'webhook-reorder': 'webhook',
  'upstream-timeout': 'submit/*',
  'content-policy': 'submit/*',
  'gateway-no-channel': 'submit/*',
  'gateway-bad-upstream-key': 'submit/*',
};

const timesSchema = z.union([
  z.number().int().positive(),
  z.literal(Infinity),
  z.enum(['Infinity', 'infinite']).transform(() => Infinity),
]);

const ruleSchema = z
  .object({
    endpoint: z.string().min(1).optional(),
    match: z.object({ state: z.string().optional(), taskId: z.string().optional() }).strict().optional(),
    kind: z.enum(FAULT_KINDS),
    times: timesSchema.optional(),
    probability: z.number().min(0).max(1).optional(),
    retryAfterSeconds: z.number().nonnegative().optional(),
    delayMs: z.number().nonnegative().optional(),
    status: z.number().int().min(500).max(599).optional(),
  })
  .strict();

/**
 * One fault rule.
 * - `endpoint`: 'submit/imagine', 'submit/*', 'task/fetch', 'task/list-by-condition', 'webhook', … @default every
 *   place the kind can fire
 * - `match.state`: the submit's `state` (or the task's, for fetch and webhooks); `match.taskId`: the task in the
 *   path, the action's parent, or the webhook's task
 * - `times`: how many times it fires, `Infinity` for always. @default 1
 * - `probability`: chance of firing when it matches. @default 1
 * - `retryAfterSeconds` ('429'). @default 1; `delayMs` ('slow', real ms). @default 5000; `status` ('5xx'). @default 500
 */
export type FaultRule = z.input<typeof ruleSchema>;

/** A rule as stored: its id, how often it may still fire, and how often it fired. */
export interface FaultRuleState {
  id: string;
  rule: FaultRule;
  remaining: number;
  fired: number;
}

/** What a request or webhook looks like to the matcher. */
export interface FaultSite {
  endpoint: string;
  state?: string | null;
  taskIds?: (string | null | undefined)[];
}

/** Parses a rule from untrusted JSON; the TypeError lists every problem. */
export function parseFaultRule(input: unknown): FaultRule {
  const parsed = ruleSchema.safeParse(input);
  if (!parsed.success) {
    throw new TypeError(
      `invalid fault rule: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(rule)'}: ${i.message}`).join('; ')}`
    );
  }
  return parsed.data;
}

function globMatch(pattern: string, endpoint: string): boolean {
  if (pattern === '*' || pattern === endpoint) return true;
  if (pattern.endsWith('/*')) return endpoint.startsWith(pattern.slice(0, -1));
  return false;
}

/** The live fault rules of one simulator, consulted by the HTTP layer, the submit handlers and webhooks. */
export class FaultPlan {
  private rules: FaultRuleState[] = [];
  private nextId = 1;
  private readonly injected: Record<string, number> = {};

  constructor(private readonly rng: SeededRandom) {}

  /** Adds a rule and returns its id (for `remove`). Throws a TypeError for a malformed rule. */
  add(rule: FaultRule): string {
    const parsed = parseFaultRule(rule);
    const id = `fault-${this.nextId++}`;
    this.rules.push({ id, rule: parsed, remaining: (parsed.times as number | undefined) ?? 1, fired: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRuleState[] {
    return this.rules.map((r) => ({ ...r, rule: { ...r.rule } }));
  }

  /** Faults injected so far, by kind. */
  counts(): Record<string, number> {
    return { ...this.injected };
  }

  resetCounts(): void {
    for (const k of Object.keys(this.injected)) delete this.injected[k];
  }

  /**
   * The first live rule of one of `kinds` that matches `site`, consumed (its `times` counts down) and counted; or
   * undefined. Rules are tried in the order they were added.
   */
  take(kinds: readonly FaultKind[], site: FaultSite): FaultRule | undefined {
    for (const r of this.rules) {
      if (r.remaining <= 0 || !kinds.includes(r.rule.kind)) continue;
      if (!globMatch(DEFAULT_SCOPE[r.rule.kind], site.endpoint)) continue;
      if (r.rule.endpoint && !globMatch(r.rule.endpoint, site.endpoint)) continue;
      const m = r.rule.match;
      if (m?.state !== undefined && m.state !== site.state) continue;
      if (m?.taskId !== undefined && !(site.taskIds ?? []).includes(m.taskId)) continue;
      if (r.rule.probability !== undefined && this.rng.next() >= r.rule.probability) continue;
      r.remaining -= 1;
      r.fired += 1;
      this.injected[r.rule.kind] = (this.injected[r.rule.kind] ?? 0) + 1;
      return r.rule;
    }
    return undefined;
  }
}
