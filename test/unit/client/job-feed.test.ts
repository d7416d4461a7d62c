/**
 * The job feed's rules without a server: which event types a read-model change names, and how the process's feed
 * merges the memos a job publishes with the webhook progress kept beside it (seqs between the memos', each step once,
 * the same seqs for every reader, a resume after a progress step).
 */
import type { Client } from '@temporalio/client';
import { changedTypes, closeEvent, progressSeq } from '../../../src/client/job-event-builder';
import { JobFeedHub, type JobEventSource } from '../../../src/client/job-feed-hub';
import type { JobEvent } from '../../../src/shared/job-events';
import type { JobMemo } from '../../../src/shared/job-memo';
import { MemoryProgressStore, progressEntry } from '../../../src/webhook/progress-store';

const base: JobMemo = { v: 1, kind: 'imagine', phase: 'submitting', mode: 'FAST', submitTime: 1 };
const queued: JobMemo = { ...base, phase: 'queued', taskId: 'T1', status: 'SUBMITTED', progress: '0%' };
const done: JobMemo = {
  ...queued,
  phase: 'succeeded',
  status: 'SUCCESS',
  progress: '100%',
  imageUrl: 'https://cdn.example/x.png',
  buttons: [{ customId: 'MJ::JOB::upsample::1::h', emoji: '', label: 'U1', intent: 'U1' }],
};

test('changedTypes names what changed between two read models', () => {
  expect(changedTypes(undefined, base)).toEqual(['phase']);
  expect(changedTypes(base, queued)).toEqual(['phase', 'progress']);
  expect(changedTypes(queued, done)).toEqual(['phase', 'progress', 'buttons', 'result']);
  expect(changedTypes(queued, { ...queued, phase: 'failed', failReason: 'banned' })).toEqual(['phase', 'failure']);
  const waiting: JobMemo = { ...queued, waitingFor: { kind: 'modal', needs: ['mask'], since: 5 } };
  expect(changedTypes(queued, waiting)).toEqual(['waiting']);
  expect(changedTypes(queued, queued)).toEqual([]);
});

test('progress seqs sit between two memo seqs and grow with the progress', () => {
  const s0 = progressSeq(3, { status: 'SUBMITTED', progress: '0%' });
  const s15 = progressSeq(3, { status: 'IN_PROGRESS', progress: '15%' });
  const s100 = progressSeq(3, { status: 'IN_PROGRESS', progress: '100%' });
  expect(3 < s0 && s0 < s15 && s15 < s100 && s100 < 4).toBe(true);
});

test('a close the job did not publish ends the feed once', () => {
  const e = closeEvent('j', { seq: 4.431, memo: queued }, 9, 'terminated')!;
  expect(e).toMatchObject({ seq: 5, types: ['phase', 'failure'], memo: { phase: 'cancelled' } });
  expect(closeEvent('j', { seq: 5, memo: done }, 9, 'completed')).toBeUndefined();
});

/** Memo events 1 (queued) and, once `finish()` is called, 2 (succeeded). */
function twoMemos(): JobEventSource & { finish(): void } {
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish,
    async *events(jobId: string) {
      yield { jobId, seq: 1, at: 1, types: ['phase'], memo: queued } satisfies JobEvent;
      await gate;
      yield { jobId, seq: 2, at: 2, types: ['phase', 'result'], memo: done } satisfies JobEvent;
    },
  };
}

test('the feed lays webhook progress between the memos: each step once, the same seqs on a resume', async () => {
  const store = new MemoryProgressStore();
  const source = twoMemos();
  const hub = new JobFeedHub(undefined as unknown as Client, { progressStore: store, source, lingerMs: 0 });
  const it = hub.events('j')[Symbol.asyncIterator]();
  expect((await it.next()).value).toMatchObject({ seq: 1, memo: { phase: 'queued' } });

  await store.put(progressEntry({ id: 'T1', status: 'IN_PROGRESS', progress: '15%' }, 10));
  const p15 = (await it.next()).value as JobEvent;
  expect(p15).toMatchObject({ types: ['phase', 'progress'], memo: { phase: 'running', progress: '15%' } });
  expect(p15.seq).toBe(progressSeq(1, { status: 'IN_PROGRESS', progress: '15%' }));
  // A delivery about another task, and an older percentage, make no event.
  await store.put(progressEntry({ id: 'T9', status: 'IN_PROGRESS', progress: '90%' }, 11));
  await store.put(progressEntry({ id: 'T1', status: 'IN_PROGRESS', progress: '45%' }, 12));
  await store.put(progressEntry({ id: 'T1', status: 'IN_PROGRESS', progress: '30%' }, 13));
  const p45 = (await it.next()).value as JobEvent;
  expect(p45).toMatchObject({ types: ['progress'], memo: { progress: '45%' } });

  source.finish();
  expect((await it.next()).value).toMatchObject({ seq: 2, memo: { phase: 'succeeded' } });
  expect((await it.next()).done).toBe(true);

  // A reader resuming after the 15 % step (the feed read again from the source) gets the rest with the same seqs.
  const again: JobEvent[] = [];
  for await (const e of hub.events('j', { after: p15.seq })) again.push(e);
  expect(again.map((e) => e.seq)).toEqual([p45.seq, 2]);
  await hub.close();
});
