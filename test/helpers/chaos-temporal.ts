/**
 * A Temporal dev server the chaos suite can kill and bring back: `temporal server start-dev` on a SQLite file and a
 * FIXED port (the one `npm start` uses, `src/cli/dev-server.ts`), so workers and clients that were connected before a
 * restart reconnect to the same address and find every workflow where it was.
 */
import { createServer } from 'node:net';
import { startDevServer, type DevServer } from '../../src/cli/dev-server';
import { temporalCliPath } from './temporal';

/** A port that was free a moment ago (bound to port 0, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RestartableDevServer {
  /** `127.0.0.1:<port>`, the same across restarts. */
  readonly address: string;
  readonly dbFile: string;
  /** How many times the server was brought back. */
  readonly restarts: number;
  /**
   * Kills the server (SIGKILL by default: a crash, not a shutdown), waits `downMs`, and starts it again on the same
   * port and database. Resolves once it answers gRPC.
   */
  restart(opts?: { signal?: NodeJS.Signals; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startRestartableDevServer(dbFile: string): Promise<RestartableDevServer> {
  const [port, uiPort] = [await freePort(), await freePort()];
  const cliPath = temporalCliPath();
  const launch = () => startDevServer({ port, uiPort, dbFile, cliPath, readyTimeoutMs: 60_000 });
  let server: DevServer = await launch();
  let restarts = 0;
  const kill = async (signal: NodeJS.Signals) => {
    const { process: child, exited } = server;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    address: server.address,
    dbFile,
    get restarts() {
      return restarts;
    },
    async restart({ signal = 'SIGKILL', downMs = 500 } = {}) {
      await kill(signal);
      await new Promise((r) => setTimeout(r, downMs));
      // The port may linger for a moment after a kill; retry the launch a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          server = await launch();
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
      restarts++;
    },
    async stop() {
      await server.stop(5_000);
    },
  };
}
