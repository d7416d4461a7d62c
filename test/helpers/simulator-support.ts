/**
 * Test support for the simulator suites: loopback HTTP calls, a webhook receiver, and started-simulator cleanup.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { Agent, request } from 'undici';
import { ManualClock, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  bytes: Buffer;
}

// Short keep-alive so jest never waits on idle sockets.
export const agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });

export async function http(
  urlOrSim: string | Simulator,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  opts: { timeoutMs?: number } = {}
): Promise<HttpResult> {
  const base = typeof urlOrSim === 'string' ? urlOrSim : urlOrSim.url;
  const res = await request(base + path, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    dispatcher: agent,
    signal: opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs),
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json, bytes };
}

export const post = (sim: Simulator, path: string, body: unknown, headers?: Record<string, string>) =>
  http(sim, 'POST', path, body, headers);
export const get = (sim: Simulator, path: string, headers?: Record<string, string>) =>
  http(sim, 'GET', path, undefined, headers);

/** Starts simulators on a ManualClock (unless told otherwise) and closes them after each test. */
export function simulators() {
  const started: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  return async (opts: SimulatorOptions = {}) => {
    const clock = opts.clock ?? (opts.timeScale === undefined ? new ManualClock() : undefined);
    const sim = await startSimulator({ seed: 1, ...opts, ...(clock ? { clock } : {}) });
    started.push(sim);
    return { sim, clock: clock as ManualClock };
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskJson = Record<string, any>;

export async function fetchTask(sim: Simulator, id: string): Promise<TaskJson> {
  const res = await get(sim, `/mj/task/${id}/fetch`);
  expect(res.status).toBe(200);
  return res.json as TaskJson;
}

/** Submits an imagine and returns the task id (asserting an accepted code). */
export async function imagine(
  sim: Simulator,
  prompt: string,
  extra: Record<string, unknown> = {},
  path = '/mj/submit/imagine'
): Promise<string> {
  const res = await post(sim, path, { prompt, ...extra });
  expect([1, 22]).toContain(res.json?.code);
  return String(res.json.result);
}

/** An imagine driven to SUCCESS through the API. */
export async function finishedImagine(
  sim: Simulator,
  prompt = 'a cat',
  extra: Record<string, unknown> = {}
): Promise<TaskJson> {
  const id = await imagine(sim, prompt, extra);
  sim.completeNow(id);
  return fetchTask(sim, id);
}

/** Runs an action to SUCCESS and returns the child. */
export async function finishedAction(
  sim: Simulator,
  parent: TaskJson,
  customIdPart: string | RegExp
): Promise<TaskJson> {
  const button = (parent.buttons as { customId: string }[]).find((b) =>
    typeof customIdPart === 'string' ? b.customId.includes(customIdPart) : customIdPart.test(b.customId)
  );
  if (!button)
    throw new Error(
      `no button ${customIdPart} in ${parent.buttons.map((b: { customId: string }) => b.customId).join(', ')}`
    );
  const res = await post(sim, '/mj/submit/action', { taskId: parent.id, customId: button.customId });
  expect(res.json.code).toBe(1);
  sim.completeNow(res.json.result);
  return fetchTask(sim, res.json.result);
}

export interface Receiver {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  bodies: any[];
  close(): Promise<void>;
}

/** A loopback webhook receiver that records every POST body. */
export async function webhookReceiver(status = 200): Promise<Receiver> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?secret=s`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** RGB of a pixel as "r,g,b". */
export function pixel(png: PNG, x: number, y: number): string {
  const i = (y * png.width + x) * 4;
  return Array.from(png.data.subarray(i, i + 3)).join(',');
}

export function decodePng(bytes: Buffer): PNG {
  return PNG.sync.read(bytes);
}

/** A small valid PNG as a data URL (masks, uploads). */
export function pngDataUrl(size = 8): string {
  const png = new PNG({ width: size, height: size });
  png.data.fill(255);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
