/**
 * A batch never starves a person on the same account: on a real dev server with the real worker and the simulator
 * (on a manual clock, so no upstream job ends until the test says so), a batch of five items fills the account's
 * batch share of `slots: { limit: 3, reservedForInteractive: 1 }`; a person's job started through the doors' job
 * starter gets the kept slot at once; a second person's job waits for the limit and, when the running jobs end, is
 * granted before the batch items that queued long before it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalAssetStore } from '../../src/assets';
import { MjJobsClient } from '../../src/client';
import { startJobWorkflow } from '../../src/job-start/start-job-workflow';
import { ManualClock } from '../../src/simulator';
import type { SlotLimits } from '../../src/shared/types';
import { getSlotsQuery, slotManagerId, type SlotsSnapshot } from '../../src/workflows/slots/messages';
import { eventually, satisfying } from '../helpers/eventually';
import { startClientStack, type ClientStack } from '../helpers/client-stack';

jest.setTimeout(180_000);

const FAST_POLL = { initialInterval: '300ms', maxInterval: '1s', jitter: 0.1 } as const;
const dir = mkdtempSync(path.join(tmpdir(), 'slots-interactive-'));
const clock = new ManualClock();
let stack: ClientStack;
let jobs: MjJobsClient;

beforeAll(async () => {
  stack = await startClientStack({
    name: 'slots-interactive',
    assetDir: path.join(dir, 'assets'),
    // The manual clock decides when upstream jobs end; the simulator runs up to 5 at once for the account.
    sim: { seed: 5, clock, timeScale: undefined, concurrency: { FAST: 5 } },
  });
  const store = new LocalAssetStore({ dir: path.join(dir, 'assets') });
  jobs = new MjJobsClient({ client: stack.env.client, store, taskQueue: stack.taskQueue });
});

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('a person is admitted through the kept slot at once, and ahead of queued batch items', async () => {
  const account = `acct-${randomUUID().slice(0, 8)}`;
  const slots: SlotLimits = { limit: 3, reservedForInteractive: 1 };
  const manager = stack.env.client.workflow.getHandle(slotManagerId(account, 'FAST'));
  const snapshot = (ok: (s: SlotsSnapshot) => boolean, what: string) =>
    eventually(
      satisfying(() => manager.query(getSlotsQuery), ok),
      what,
      60_000
    );
  const holding = (s: SlotsSnapshot) => s.holders.map((h) => h.workflowId).sort();
  const waiting = (s: SlotsSnapshot) => s.waiting.map((w) => w.workflowId);

  const batch = await jobs.batch(
    { items: [1, 2, 3, 4, 5].map((n) => ({ id: `i${n}`, prompt: `batch item ${n}` })), account, slots },
    { mode: 'FAST', concurrency: 5 }
  );
  // The five children ask at once, so which two run first is the server's order; that they are batch items is not.
  const ofBatch = (ids: string[]) => ids.filter((id) => id.startsWith(`${batch.jobId}/`));
  const full = await snapshot((s) => s.holders.length === 2 && s.waiting.length === 3, 'the batch to fill its share');
  expect(ofBatch(holding(full))).toHaveLength(2);
  expect(full.blocked).toEqual({ by: 'interactive-share' });
  const queuedItems = waiting(full);

  const press = (name: string) =>
    startJobWorkflow({
      client: stack.env.client,
      taskQueue: stack.taskQueue,
      workflowId: `mj-job-${name}-${randomUUID().slice(0, 8)}`,
      input: {
        request: { kind: 'imagine', prompt: `a person's ${name}` },
        account,
        mode: 'FAST',
        slots,
        policy: FAST_POLL,
      },
      modeAttribute: 'FAST',
    });
  await press('first');
  const kept = await snapshot((s) => s.holders.length === 3, 'the first person to take the kept slot');
  expect(holding(kept).filter((id) => id.includes('first'))).toHaveLength(1);
  expect(waiting(kept)).toEqual(queuedItems);

  await press('second');
  const queued = await snapshot((s) => s.waiting.length === 4, 'the second person to queue behind the batch');
  expect(waiting(queued)[3]).toContain('second');

  // Every running upstream job ends now; the second person is granted before the batch items queued before it.
  clock.advance(10 * 60_000);
  const after = await snapshot((s) => s.totals.released >= 3 && s.holders.length === 3, 'the next grants');
  expect(holding(after).filter((id) => id.includes('second'))).toHaveLength(1);
  expect(ofBatch(holding(after)).sort()).toEqual(queuedItems.slice(0, 2).sort());
  expect(waiting(after)).toEqual(queuedItems.slice(2));

  // Nothing is starved: the rest of the batch finishes once time moves on.
  clock.advance(10 * 60_000);
  await snapshot((s) => s.totals.released >= 6 && s.holders.length === 1, 'the last batch item to run');
  clock.advance(10 * 60_000);
  const report = await batch.result();
  expect(report.summary).toMatchObject({ total: 5, succeeded: 5 });
});
