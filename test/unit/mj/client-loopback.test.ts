/**
 * Transport failures against a real loopback server, through the client's own undici Agent: what "sent" means is
 * decided by real sockets here, not by simulated error codes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MjClient, MjConnectionError, type MjError, MjTimeoutError, isMjError } from '../../../src/mj';

let server: Server;
let baseUrl: string;
let received: string[];
const clients: MjClient[] = [];

beforeEach(async () => {
  received = [];
  server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    if (req.url?.includes('/hang')) return; // never answers
    if (req.url?.includes('/submit/imagine')) {
      // Read the request, then drop the connection: the submit may have been accepted.
      req.resume();
      req.on('end', () => req.socket.destroy());
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: '1', status: 'SUCCESS', action: 'IMAGINE' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(timeoutMs = 2_000, url = baseUrl): MjClient {
  const c = new MjClient({ baseUrl: url, flavour: 'novicezk', timeoutMs, connectTimeoutMs: 1_000 });
  clients.push(c);
  return c;
}

async function caught(p: Promise<unknown>): Promise<MjError> {
  try {
    await p;
  } catch (e) {
    if (isMjError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

test('the client works end to end with its own Agent', async () => {
  const task = await client().fetchTask('1');
  expect(task.status).toBe('SUCCESS');
  expect(received).toEqual(['GET /mj/task/1/fetch']);
});

test('a submit whose connection drops after sending → MjConnectionError, outcome unknown', async () => {
  const err = await caught(client().submitImagine({ prompt: 'a fox' }));
  expect(err).toBeInstanceOf(MjConnectionError);
  expect(err.outcomeUnknown).toBe(true);
  expect(err.retryable).toBe(true);
  expect(received).toEqual(['POST /mj/submit/imagine']);
});

test('no answer within timeoutMs → MjTimeoutError; outcome unknown only for submits', async () => {
  const c = client(150);
  const fetchErr = await caught(c.fetchTask('hang'));
  expect(fetchErr).toBeInstanceOf(MjTimeoutError);
  expect(fetchErr.outcomeUnknown).toBe(false);
  // A base path of /hang makes the server swallow the submit without answering.
  const submitErr = await caught(client(150, `${baseUrl}/hang`).submitImagine({ prompt: 'x' }));
  expect(submitErr).toBeInstanceOf(MjTimeoutError);
  expect(submitErr.outcomeUnknown).toBe(true);
  expect(received).toEqual(['GET /mj/task/hang/fetch', 'POST /hang/mj/submit/imagine']);
});

test('connection refused → MjConnectionError, never sent', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const err = await caught(client(2_000, `http://127.0.0.1:${port}`).submitImagine({ prompt: 'x' }));
  expect(err).toBeInstanceOf(MjConnectionError);
  expect((err as MjConnectionError).causeCode).toBe('ECONNREFUSED');
  expect(err.outcomeUnknown).toBe(false);
});
