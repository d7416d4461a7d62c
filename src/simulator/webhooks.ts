/**
 * notifyHook delivery the way the proxies do it (contract §10): one POST of the full task JSON per change, one
 * attempt, no retry, errors only counted. Deliveries of one task are serialised so that scripted reordering is
 * deterministic; different tasks go out in parallel.
 */
import { Agent, request } from 'undici';
import { InFlight } from '../in-flight';
import type { FaultPlan } from './faults';

/** Webhook delivery counts behind `stats()`. */
export interface WebhookCounters {
  sent: number;
  failed: number;
  dropped: number;
}

/** A delivery queued or under way, as a saved simulator keeps it. */
export interface PendingWebhook {
  hook: string;
  taskId: string;
  body: string;
}

/** Sends notifyHook POSTs with the proxies' one-shot semantics. */
export class WebhookNotifier {
  private readonly agent: Agent;
  private readonly chains = new Map<string, Promise<void>>();
  /** The last body queued per task, replayed by 'webhook-reorder'. */
  private readonly last = new Map<string, string>();
  private readonly inFlight = new InFlight();
  private readonly aborter = new AbortController();
  readonly counters: WebhookCounters = { sent: 0, failed: 0, dropped: 0 };
  /** Deliveries not yet attempted to the end, by a private sequence number, oldest first. */
  private readonly pending = new Map<number, PendingWebhook>();
  private pendingSeq = 0;
  /** Told when the pending set changes (a saved simulator writes it out). */
  onPendingChange: () => void = () => undefined;

  constructor(
    private readonly faults: FaultPlan,
    private readonly timeoutMs: number
  ) {
    this.agent = new Agent({
      keepAliveTimeout: 1_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: timeoutMs },
    });
  }

  /** Queues a webhook with the task JSON (serialised now, so later changes don't leak into it). */
  notify(hook: string, taskId: string, state: string | null, task: unknown): void {
    const body = JSON.stringify(task);
    const previous = this.last.get(taskId);
    this.last.set(taskId, body);
    // Reordering needs an older snapshot; without one the rule waits for the task's next change.
    const kinds = previous
      ? (['webhook-lose', 'webhook-duplicate', 'webhook-reorder'] as const)
      : (['webhook-lose', 'webhook-duplicate'] as const);
    const fault = this.faults.take(kinds, {
      endpoint: 'webhook',
      state,
      taskIds: [taskId],
    });
    if (fault?.kind === 'webhook-lose') {
      this.counters.dropped++;
      return;
    }
    const bodies = [body];
    if (fault?.kind === 'webhook-duplicate') bodies.push(body);
    // An older snapshot arriving after a newer one, as two racing POSTs can.
    if (fault?.kind === 'webhook-reorder' && previous) bodies.push(previous);
    for (const b of bodies) this.enqueue(hook, taskId, b);
  }

  /** Deliveries queued or cut off by `close()`, oldest first: what a restarted simulator sends again. */
  pendingDeliveries(): PendingWebhook[] {
    return [...this.pending.values()].map((p) => ({ ...p }));
  }

  /** Queues deliveries saved by an earlier run (no faults applied: they were sampled then). */
  resume(list: readonly PendingWebhook[]): void {
    for (const p of list) this.enqueue(p.hook, p.taskId, p.body);
  }

  /** Resolves when every queued delivery has finished (tests). */
  async idle(): Promise<void> {
    await this.inFlight.settled();
  }

  /** Forgets per-task history; counters restart. Deliveries already under way still finish. */
  reset(): void {
    this.last.clear();
    this.pending.clear();
    this.counters.sent = this.counters.failed = this.counters.dropped = 0;
  }

  async close(): Promise<void> {
    this.aborter.abort();
    await this.idle();
    await this.agent.close();
  }

  private enqueue(hook: string, taskId: string, body: string): void {
    const seq = ++this.pendingSeq;
    this.pending.set(seq, { hook, taskId, body });
    this.onPendingChange();
    const prev = this.chains.get(taskId) ?? Promise.resolve();
    const next = prev.then(async () => {
      // A delivery cut off by close() stays pending, so a restarted simulator sends it.
      if (await this.post(hook, body)) {
        this.pending.delete(seq);
        this.onPendingChange();
      }
    });
    this.chains.set(taskId, next);
    this.inFlight.track(next);
    void next.finally(() => {
      if (this.chains.get(taskId) === next) this.chains.delete(taskId);
    });
  }

  /**
   * Never rejects: a webhook failure must not reach the process as an unhandled rejection. Resolves false when
   * `close()` cut the attempt off, true once it ran to an answer or a failure.
   */
  private async post(hook: string, body: string): Promise<boolean> {
    if (this.aborter.signal.aborted) return false;
    this.counters.sent++;
    try {
      const res = await request(hook, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        dispatcher: this.agent,
        signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode >= 300) this.counters.failed++;
    } catch {
      if (this.aborter.signal.aborted) return false;
      this.counters.failed++;
    }
    return true;
  }
}
