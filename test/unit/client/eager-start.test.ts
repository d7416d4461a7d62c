/**
 * Eager workflow start: `MjJobsClient` asks for it only on a connection that can do it (a NativeConnection,
 * which a worker in the same process may share); on any other connection the SDK would refuse the start outright.
 */
import { InternalConnectionLikeSymbol, type Client } from '@temporalio/client';
import { LocalAssetStore } from '../../../src/assets';
import { MjJobsClient } from '../../../src/client';

interface StartCall {
  type: string;
  options: { requestEagerStart?: boolean; taskQueue?: string };
}

function fakeClient(connection: object): { client: Client; calls: StartCall[] } {
  const calls: StartCall[] = [];
  const client = {
    connection,
    workflow: {
      start: async (type: string, options: StartCall['options']) => {
        calls.push({ type, options });
        return {};
      },
    },
  } as unknown as Client;
  return { client, calls };
}

const store = new LocalAssetStore({ dir: '/tmp/mj-eager-start-unit' });

describe('MjJobsClient: eager workflow start', () => {
  it('asks for it on a connection that supports it (a worker’s NativeConnection)', async () => {
    const { client, calls } = fakeClient({ [InternalConnectionLikeSymbol]: { supportsEagerStart: true } });
    await new MjJobsClient({ client, store, taskQueue: 'q' }).imagine('a fox --v 7');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ type: 'mjJobWorkflow', options: { requestEagerStart: true, taskQueue: 'q' } });
  });

  it('does not on a plain gRPC connection, where the SDK would throw', async () => {
    const { client, calls } = fakeClient({});
    await new MjJobsClient({ client, store, taskQueue: 'q' }).imagine('a fox --v 7');
    expect(calls[0].options.requestEagerStart).toBe(false);
  });
});
