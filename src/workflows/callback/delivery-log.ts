/**
 * State of one task's callback deliveries: changes queued in sequence order, one outcome record per change, replays.
 * Workflow-safe and testable without a server.
 */
import type { JobChanged } from '../../shared/job-memo';
import { isTerminalPhase } from '../../shared/job-phases';
import type { DeliverCallbackResult, DeliveryLogView, DeliveryRecord } from './messages';

export class DeliveryLog {
  private readonly queue: JobChanged[] = [];
  private readonly records = new Map<number, DeliveryRecord>();
  private readonly changes = new Map<number, JobChanged>();
  private highestSeq = 0;
  private terminalSeen = false;

  constructor(
    private readonly taskId: string,
    private readonly url: string
  ) {}

  /** A change from the job. Repeated or older sequences are dropped (signals may be re-sent). */
  onChanged(c: JobChanged): boolean {
    if (!Number.isInteger(c?.seq) || c.seq <= 0 || this.changes.has(c.seq)) return false;
    this.changes.set(c.seq, c);
    this.records.set(c.seq, { seq: c.seq, phase: c.memo.phase, status: 'pending', replays: 0 });
    this.queue.push(c);
    this.queue.sort((a, b) => a.seq - b.seq);
    this.highestSeq = Math.max(this.highestSeq, c.seq);
    if (isTerminalPhase(c.memo.phase)) this.terminalSeen = true;
    return true;
  }

  next(): JobChanged | undefined {
    return this.queue.shift();
  }

  hasPending(): boolean {
    return this.queue.length > 0;
  }

  /** The job reached a terminal phase and every change was handled. */
  finished(): boolean {
    return this.terminalSeen && this.queue.length === 0;
  }

  record(
    seq: number,
    r: DeliverCallbackResult | { outcome: 'rejected' | 'gave-up'; error: string; attempts?: number },
    at: number
  ): void {
    const rec = this.records.get(seq);
    if (!rec) return;
    rec.status = r.outcome;
    rec.attempts = r.attempts;
    rec.at = at;
    if ('httpStatus' in r && r.httpStatus !== undefined) rec.httpStatus = r.httpStatus;
    if (r.error !== undefined) rec.error = r.error;
    else delete rec.error;
  }

  /** Queues delivered changes again (one `seq`, or all); returns how many. */
  replay(seq?: number): number {
    const seqs = seq === undefined ? [...this.changes.keys()] : [seq];
    let n = 0;
    for (const s of seqs) {
      const c = this.changes.get(s);
      const rec = this.records.get(s);
      if (!c || !rec || rec.status === 'pending' || this.queue.some((q) => q.seq === s)) continue;
      rec.replays += 1;
      rec.status = 'pending';
      this.queue.push(c);
      n += 1;
    }
    this.queue.sort((a, b) => a.seq - b.seq);
    return n;
  }

  knows(seq: number): boolean {
    return this.changes.has(seq);
  }

  view(): DeliveryLogView {
    return {
      taskId: this.taskId,
      url: this.url,
      records: [...this.records.values()].sort((a, b) => a.seq - b.seq),
      done: this.finished(),
    };
  }
}
