/**
 * Everything the console's browser tests run against, all real: a Temporal dev server (with the `MjTenant` search
 * attribute), the simulator behind a recording proxy, a worker with the real activities, the console served by a
 * loopback HTTP server through `TemporalConsoleBackend`, and Debian's chromium.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Browser } from 'playwright-core';
import { createActivities } from '../../../src/activities';
import { LocalAssetStore } from '../../../src/assets';
import { MjJobsClient } from '../../../src/client';
import { createConsoleHandler, StaticTenantKeys, TemporalConsoleBackend } from '../../../src/console';
import { InFlight } from '../../../src/in-flight';
import { MjClient } from '../../../src/mj';
import { startSimulator, type Simulator } from '../../../src/simulator';
import { bundleJobWorkflows, uniqueTaskQueue } from '../../helpers/job-env';
import { createDevServerEnv } from '../../helpers/temporal';
import { launchChromium } from './chromium';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy';

export const KEYS = { acme: 'acme-key-0123456789abcdef', globex: 'globex-key-fedcba9876543210' };

export interface ConsoleEnv {
  url: string;
  env: TestWorkflowEnvironment;
  sim: Simulator;
  proxy: RecordingProxy;
  browser: Browser;
  mj: MjJobsClient;
  close(): Promise<void>;
}

export async function startConsoleEnv(file: string): Promise<ConsoleEnv> {
  const env = await createDevServerEnv();
  const assetDir = await mkdtemp(path.join(tmpdir(), 'console-assets-'));
  const store = new LocalAssetStore({ dir: assetDir });
  const sim = await startSimulator({ flavour: 'trueai', timeScale: 20, seed: 7 });
  const proxy = await startRecordingProxy(sim.url, /\/submit\/(modal|imagine)$/);
  const taskQueue = uniqueTaskQueue(file);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleJobWorkflows(),
    activities: createActivities({ mj: new MjClient({ baseUrl: proxy.url, flavour: 'trueai' }), store }),
  });
  const running = worker.run();
  const mj = new MjJobsClient({ client: env.client, store, taskQueue });
  const keys = new StaticTenantKeys(KEYS);
  const backend = new TemporalConsoleBackend({
    mj,
    authenticate: (k) => keys.authenticate(k),
    temporalUiUrl: 'http://127.0.0.1:8233',
    jobDefaults: { policy: { initialInterval: '500ms', maxInterval: '1s', jitter: 0.1 } },
  });
  const handler = createConsoleHandler({ backend, liveIntervalMs: 300 });
  // Requests still at work (a live page's event stream between two reads): close() lets them end before the
  // client's connection closes, since a Temporal call retried after that throws from a timer and ends the process.
  const inFlight = new InFlight();
  const server: Server = createServer((req, res) => {
    const work = handler(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end('not the console');
      }
    });
    inFlight.track(work);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  return {
    url,
    env,
    sim,
    proxy,
    browser,
    mj,
    async close() {
      await browser.close().catch(() => undefined);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await inFlight.settled();
      // The client's event feeds (live pages) end their history reads before the connection closes.
      await mj.close();
      worker.shutdown();
      await running.catch(() => undefined);
      await proxy.close();
      await sim.close();
      await env.teardown();
      await rm(assetDir, { recursive: true, force: true });
    },
  };
}
