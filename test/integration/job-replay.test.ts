/**
 * Determinism guard: histories recorded by scripts/record-histories.ts from real runs must replay against today's
 * workflow code. A failure here means a change would break jobs that are running in production; version it with
 * `patched()` instead, or re-record only when no such jobs can exist.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleJobWorkflows } from '../helpers/job-env';

jest.setTimeout(60_000);

const DIR = path.resolve(__dirname, '../fixtures/histories');
const files = readdirSync(DIR).filter((f) => f.startsWith('job-') && f.endsWith('.json'));

let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  bundle = await bundleJobWorkflows();
}, 60_000);

it('has recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(6);
});

it('replays every recorded job history without nondeterminism', async () => {
  const histories = files.map((f) => ({
    workflowId: path.basename(f, '.json'),
    history: historyFromJSON(JSON.parse(readFileSync(path.join(DIR, f), 'utf8'))),
  }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: 'job-replay' },
    histories
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});

it('detects a history that does not match the code', async () => {
  const file = files.find((f) => f.includes('imagine-success'));
  expect(file).toBeDefined();
  const raw = JSON.parse(readFileSync(path.join(DIR, file!), 'utf8')) as {
    events: { eventType: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[];
  };
  // Pretend the recorded run had called a different activity than the code schedules.
  const scheduled = raw.events.find((e) => e.activityTaskScheduledEventAttributes);
  scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'somethingElse';
  const results = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'job-replay-broken' }, [
    { workflowId: 'broken', history: historyFromJSON(raw) },
  ])) {
    results.push(r);
  }
  expect(results[0].error).toBeDefined();
});
