/**
 * The gateway server's close(): connections closed, then requests still at work are let finish (bounded) before the
 * caller closes the Temporal connection under them. Loopback HTTP, no Temporal: the handler is an extra one that
 * waits for the test.
 */
import http from 'node:http';
import type { GatewayApp } from '../../../src/gateway/app';
import { startGatewayServer } from '../../../src/gateway/server';

const app = {
  options: { port: 0, host: '127.0.0.1', corsOrigin: '*' },
  log: { error: () => undefined },
} as unknown as GatewayApp;

function get(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
  });
}

describe('gateway server close', () => {
  it('waits for a handler still at work after its connection closed', async () => {
    let release!: () => void;
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let finished = false;
    const server = await startGatewayServer(app, [
      async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('retry: 2000\n\n');
        entered();
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
        res.end();
        return true;
      },
    ]);
    void get(`${server.url}/console/events`);
    await inHandler;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(finished).toBe(true);
  });
});
