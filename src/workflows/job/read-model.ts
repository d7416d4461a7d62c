/**
 * What readers see of a job: the progress query, the memo (published only when it changed) and the keyword search
 * attributes. It reads the job's state and writes only the memo sequence and the held-back keywords.
 */
import { type JobMemo } from '../../shared/job-memo';
import type { JobProvenance } from '../../shared/job-read-model';
import type { JobProgress } from '../../shared/types';
import type { JobHost, KeywordKey } from './host';
import type { JobStateView } from './job-state';
import { jobProvenance, withObserved } from '../../shared/prompt-provenance';
import { buildJobMemo, jobDetailsMarkdown } from './memo';

export class ReadModel {
  private lastMemoJson: string | undefined;

  constructor(
    private readonly s: JobStateView,
    private readonly host: JobHost
  ) {}

  progress(): JobProgress {
    const s = this.s;
    const c = s.carry;
    return {
      phase: c.phase,
      taskId: c.taskId,
      status: c.lastStatus,
      progressPct: s.progressPct,
      previewUrl: s.previewUrl,
      action: s.action,
      mode: s.mode,
      buttons: s.buttons.map((b) => b.intent),
      timings: c.timings,
      waitingFor: s.waitingFor,
      ...(c.owner ? { owner: c.owner } : {}),
      failure: s.failure,
      submits: c.submits,
      fetches: c.fetches,
      wakeups: c.wakeups,
      upstreamCancel: s.upstreamCancel,
      ...(s.reported ? { reported: s.reported } : {}),
      ...this.provenance(),
      ...(s.input.lineage ? { lineage: s.input.lineage } : {}),
    };
  }

  /**
   * The query's provenance (and the result's): the memo's, from the prompt the job sends and the seed it read
   * (src/shared/prompt-provenance.ts).
   */
  provenance(): { provenance?: JobProvenance } {
    const c = this.s.carry;
    const fromPrompt = jobProvenance(
      this.s.request,
      c.modalSubmittedFor !== undefined ? c.modalInput?.prompt : undefined
    );
    const p = withObserved(fromPrompt, this.s.provenance);
    return p ? { provenance: p } : {};
  }

  memo(): JobMemo {
    const s = this.s;
    const c = s.carry;
    return buildJobMemo(s.request, {
      phase: c.phase,
      mode: s.mode,
      taskId: c.taskId,
      status: c.lastStatus,
      progress: c.lastProgress,
      action: s.action,
      imageUrl: s.previewUrl,
      buttons: s.buttons,
      timings: c.timings,
      waitingFor: s.waitingFor,
      failure: s.failure,
      failReason: s.failReason,
      modalPrompt: c.modalSubmittedFor !== undefined ? c.modalInput?.prompt : undefined,
      assets: s.images.length
        ? s.images.map((i) => ({ index: i.index, key: i.asset.key, contentType: i.asset.contentType }))
        : undefined,
      owner: c.owner,
      reported: s.reported,
      provenance: s.provenance,
      lineage: s.input.lineage,
    });
  }

  /**
   * Publishes the memo when something a reader sees changed since the last publish. `reported` is left out of the
   * comparison: it changes with the status or progress the memo already shows (a describe's text comes with its
   * SUCCESS), and an upsert of its own would be a command histories recorded before it lack. The terminal publish
   * comes after the last snapshot, so the final memo always carries the final `reported`.
   */
  async publish(): Promise<void> {
    const memo = this.memo();
    const { reported: _rides, ...compared } = memo;
    const json = JSON.stringify(compared);
    if (json === this.lastMemoJson) return;
    this.lastMemoJson = json;
    await this.host.publish(memo, ++this.s.carry.memoSeq, jobDetailsMarkdown(memo));
  }

  /** Upserts keyword search attributes, with any held back (later values win). */
  upsertKeywords(pairs: [KeywordKey, string | undefined][]): void {
    const byName = new Map<string, [KeywordKey, string | undefined]>();
    for (const pair of [...this.s.deferredKeywords, ...pairs]) {
      if (pair[1] !== undefined || !byName.has(pair[0].name)) byName.set(pair[0].name, pair);
    }
    this.s.deferredKeywords = [];
    this.host.upsertKeywords([...byName.values()]);
  }
}
