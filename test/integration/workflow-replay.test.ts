/**
 * Determinism guard: histories recorded by scripts/record-histories.ts from real runs (dev server, simulator, real
 * activities) must replay against today's workflow code, for every workflow type: job, pipeline, batch, slot
 * manager, cost ledger, upstream pool, tenants and callback delivery. A failure here means a change would break workflows already running; guard it with `patched()` or ship it
 * with worker versioning, and never re-record a fixture to make this pass (CONTRIBUTING.md, "Replay safety").
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleJobWorkflows } from '../helpers/job-env';

jest.setTimeout(90_000);

const DIR = path.resolve(__dirname, '../fixtures/histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

/** The workflow type each fixture prefix must hold, read from the history itself (so a misfiled fixture fails). */
const TYPES = {
  job: 'mjJobWorkflow',
  pipeline: 'pipelineWorkflow',
  batch: 'batchWorkflow',
  pagedbatch: 'pagedBatchWorkflow',
  batchchunk: 'batchChunkWorkflow',
  slots: 'slotManagerWorkflow',
  ledger: 'costLedgerWorkflow',
  upstreams: 'upstreamPoolWorkflow',
  tenants: 'tenantsWorkflow',
  callback: 'callbackDeliveryWorkflow',
} as const;

interface RawEvent {
  eventType: string;
  workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string }; workflowId?: string };
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  startChildWorkflowExecutionInitiatedEventAttributes?: { workflowId?: string };
  workflowExecutionSignaledEventAttributes?: { signalName?: string };
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest?: { input?: { name?: string } } };
}

const raw = (file: string): { events: RawEvent[] } =>
  JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as { events: RawEvent[] };
const started = (file: string) => raw(file).events[0]?.workflowExecutionStartedEventAttributes;
const typeOf = (file: string) => started(file)?.workflowType?.name;
/** The recorded workflow id: child ids and state keys derive from it, so replay must run under the same id. */
const idOf = (file: string) => started(file)?.workflowId ?? path.basename(file, '.json');

let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  bundle = await bundleJobWorkflows();
}, 90_000);

async function replay(name: string, histories: { workflowId: string; history: ReturnType<typeof historyFromJSON> }[]) {
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, replayName: name }, histories)) {
    replayed++;
    if (result.error) {
      const from = files.filter((f) => idOf(f) === result.workflowId).join(', ');
      failures.push(`${from || result.workflowId}: ${result.error.message}`);
    }
  }
  return { failures, replayed };
}

it.each(Object.entries(TYPES))('has recorded %s histories of workflow type %s', (prefix, type) => {
  const mine = files.filter((f) => f.startsWith(`${prefix}-`));
  expect(mine.length).toBeGreaterThanOrEqual(prefix === 'job' ? 6 : 1);
  expect(mine.map(typeOf)).toEqual(mine.map(() => type));
});

it('names every fixture <type>-<scenario>.json', () => {
  const unknown = files.filter((f) => !Object.keys(TYPES).some((prefix) => f.startsWith(`${prefix}-`)));
  expect(unknown).toEqual([]);
});

it('replays every recorded history without nondeterminism', async () => {
  const histories = files.map((f) => ({ workflowId: idOf(f), history: historyFromJSON(raw(f)) }));
  const { failures, replayed } = await replay('workflow-replay', histories);
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
});

/**
 * Each type's guard can fail: a history whose recorded commands differ from what the code emits is reported. The
 * edit imitates a changed workflow (another activity, another child id, another signal), one per type.
 */
const BREAKS: Record<keyof typeof TYPES, (e: RawEvent) => boolean> = {
  job: (e) => {
    const a = e.activityTaskScheduledEventAttributes?.activityType;
    if (!a) return false;
    a.name = 'somethingElse';
    return true;
  },
  pipeline: (e) => {
    const c = e.startChildWorkflowExecutionInitiatedEventAttributes;
    if (!c) return false;
    c.workflowId = `${c.workflowId}-renamed`;
    return true;
  },
  batch: (e) => BREAKS.pipeline(e),
  pagedbatch: (e) => BREAKS.pipeline(e),
  batchchunk: (e) => BREAKS.job(e),
  slots: (e) => {
    // The code no longer knows the request signal: it grants nothing where the history shows a grant.
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (!signal) return false;
    signal.signalName = 'somethingElse';
    return true;
  },
  // The entity workflows change state only through updates: the code no longer knows the first one the history
  // accepted.
  ledger: (e) => {
    const input = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    if (!input) return false;
    input.name = 'somethingElse';
    return true;
  },
  upstreams: (e) => BREAKS.job(e),
  tenants: (e) => BREAKS.ledger(e),
  callback: (e) => BREAKS.job(e),
};

it.each(Object.keys(TYPES) as (keyof typeof TYPES)[])(
  'detects a %s history that does not match the code',
  async (prefix) => {
    const file = files.find((f) => f.startsWith(`${prefix}-`));
    expect(file).toBeDefined();
    const history = raw(file!);
    const edited = history.events.find((e) => BREAKS[prefix](e));
    expect(edited).toBeDefined();
    const { failures } = await replay(`workflow-replay-broken-${prefix}`, [
      { workflowId: idOf(file!), history: historyFromJSON(history) },
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/nondetermin/i);
  }
);
