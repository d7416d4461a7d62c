import { makeStateKey } from '../../../src/shared/state-key';
import { routeTask, taskIdQuery } from '../../../src/webhook/route';
import { fakeClient } from './fake-client';

const task = (over: Partial<{ id: string; status: string; progress: string; state: string | null }> = {}) => ({
  id: '1730000000000001',
  status: 'IN_PROGRESS',
  progress: '46%',
  state: null as string | null,
  ...over,
});

describe('routeTask', () => {
  it('signals the workflow named by our state key, without a visibility query', async () => {
    const fake = fakeClient();
    fake.running.add('mj-job-a');
    const r = await routeTask(fake.client, task({ state: makeStateKey('mj-job-a', 0) }));
    expect(r).toEqual({ result: 'signaled', workflowIds: ['mj-job-a'], via: 'state' });
    expect(fake.signals).toEqual([
      {
        workflowId: 'mj-job-a',
        name: 'taskChanged',
        arg: { taskId: '1730000000000001', status: 'IN_PROGRESS', progress: '46%' },
      },
    ]);
    expect(fake.queries).toEqual([]);
  });

  it('reports a closed owner as a no-op', async () => {
    const fake = fakeClient();
    const r = await routeTask(fake.client, task({ state: makeStateKey('mj-job-done', 0) }));
    expect(r).toEqual({ result: 'closed', workflowId: 'mj-job-done' });
    expect(fake.signals).toHaveLength(0);
  });

  it('falls back to the MjTaskId search attribute when state is missing or foreign', async () => {
    const fake = fakeClient();
    fake.running.add('mj-job-b');
    fake.owners.set('1730000000000001', ['mj-job-b']);
    for (const state of [null, '', 'someone-elses-state']) {
      fake.signals.length = 0;
      const r = await routeTask(fake.client, task({ state }));
      expect(r).toEqual({ result: 'signaled', workflowIds: ['mj-job-b'], via: 'search' });
      expect(fake.signals.map((s) => s.workflowId)).toEqual(['mj-job-b']);
    }
    expect(fake.queries[0]).toBe('MjTaskId = "1730000000000001" AND ExecutionStatus = "Running"');
  });

  it('searches when the state key was hashed (no workflow id inside)', async () => {
    const fake = fakeClient();
    fake.running.add('x'.repeat(300));
    fake.owners.set('1730000000000001', ['x'.repeat(300)]);
    const r = await routeTask(fake.client, task({ state: makeStateKey('x'.repeat(300), 2) }));
    expect(r.result).toBe('signaled');
    expect(fake.queries).toHaveLength(1);
  });

  it('acknowledges a task nobody owns', async () => {
    const fake = fakeClient();
    expect(await routeTask(fake.client, task({ id: 'unknown-1' }))).toEqual({ result: 'not_found', via: 'search' });
  });

  it('rethrows Temporal errors (the receiver answers 503)', async () => {
    const fake = fakeClient();
    fake.failWith = new Error('14 UNAVAILABLE: connection refused');
    await expect(routeTask(fake.client, task())).rejects.toThrow('UNAVAILABLE');
  });
});

describe('taskIdQuery', () => {
  it('escapes quotes and backslashes so an id cannot widen the query', () => {
    expect(taskIdQuery('a" OR WorkflowId != "')).toBe(
      'MjTaskId = "a\\" OR WorkflowId != \\"" AND ExecutionStatus = "Running"'
    );
    expect(taskIdQuery('a\\')).toBe('MjTaskId = "a\\\\" AND ExecutionStatus = "Running"');
  });
});
