/** The benchmark's reading of the dev server's store counters (bench/lib/server-store.ts). */
import { parseStoreCounters, storeWork } from '../../../bench/lib/server-store';

const scrape = (create: number, update: number, get: number, visUpsert: number, visList: number) =>
  [
    '# HELP persistence_requests persistence_requests counter',
    `persistence_requests{namespace="default",operation="CreateWorkflowExecution",service_name="history"} ${create}`,
    `persistence_requests{namespace="default",operation="UpdateWorkflowExecution",service_name="history"} ${update}`,
    `persistence_requests{namespace="default",operation="GetWorkflowExecution",service_name="history"} ${get}`,
    `persistence_requests{namespace="system",operation="UpdateShard",service_name="history"} 99`,
    `visibility_persistence_requests{operation="UpsertWorkflowExecution",service_name="history"} ${visUpsert}`,
    `visibility_persistence_requests{namespace="default",operation="CountWorkflowExecutions",service_name="frontend"} ${visList}`,
  ].join('\n');

describe('server store counters', () => {
  it('reads one namespace, by operation', () => {
    expect(parseStoreCounters(scrape(1, 2, 3, 4, 5), 'default')).toEqual({
      requests: { CreateWorkflowExecution: 1, UpdateWorkflowExecution: 2, GetWorkflowExecution: 3 },
      visibility: { UpsertWorkflowExecution: 4, CountWorkflowExecutions: 5 },
    });
  });

  it('divides the writes between two scrapes by the workflows, leaving reads out of the writes', () => {
    const before = parseStoreCounters(scrape(10, 20, 30, 40, 50), 'default');
    const after = parseStoreCounters(scrape(20, 60, 50, 60, 150), 'default');
    expect(storeWork(before, after, 10)).toEqual({
      workflows: 10,
      requestsPerWorkflow: 7,
      writesPerWorkflow: 5,
      visibilityWritesPerWorkflow: 2,
      topWrites: [
        ['UpdateWorkflowExecution', 4],
        ['CreateWorkflowExecution', 1],
      ],
    });
    expect(storeWork(before, after, 0)).toBeNull();
  });
});
