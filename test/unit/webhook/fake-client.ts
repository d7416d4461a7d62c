import { WorkflowNotFoundError, type Client } from '@temporalio/client';

export interface FakeClient {
  client: Client;
  signals: { workflowId: string; name: string; arg: unknown }[];
  queries: string[];
  running: Set<string>;
  /** taskId → owning workflow ids (what visibility would return). */
  owners: Map<string, string[]>;
  failWith?: Error;
}

/** A duck-typed Temporal client: enough of `workflow.getHandle().signal`, `workflow.list` and `getSystemInfo`. */
export function fakeClient(): FakeClient {
  const fake: FakeClient = {
    signals: [],
    queries: [],
    running: new Set(),
    owners: new Map(),
    client: undefined as never,
  };
  fake.client = {
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (def: { name: string }, arg: unknown) => {
          if (fake.failWith) throw fake.failWith;
          if (!fake.running.has(workflowId))
            throw new WorkflowNotFoundError('workflow execution already completed', workflowId, undefined);
          fake.signals.push({ workflowId, name: def.name, arg });
        },
      }),
      list: ({ query }: { query: string }) => {
        fake.queries.push(query);
        const m = /MjTaskId = "((?:[^"\\]|\\.)*)"/.exec(query);
        const id = m ? m[1]!.replace(/\\(.)/g, '$1') : '';
        const rows = (fake.owners.get(id) ?? [])
          .filter((w) => fake.running.has(w))
          .map((workflowId) => ({ workflowId }));
        return (async function* () {
          if (fake.failWith) throw fake.failWith;
          yield* rows;
        })();
      },
    },
    workflowService: {
      getSystemInfo: async () => {
        if (fake.failWith) throw fake.failWith;
        return {};
      },
    },
  } as unknown as Client;
  return fake;
}

/** A task body as N/T post it. */
export function taskBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '1730000000000001',
    action: 'IMAGINE',
    status: 'IN_PROGRESS',
    prompt: 'a cat',
    promptEn: 'a cat',
    description: '/imagine a cat',
    state: null,
    submitTime: 1730000000000,
    startTime: 1730000001000,
    finishTime: null,
    progress: '46%',
    imageUrl: null,
    failReason: null,
    properties: {},
    buttons: [],
    ...overrides,
  };
}
