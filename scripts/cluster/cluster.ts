/**
 * A real multi-process Temporal cluster on PostgreSQL, without Docker: PostgreSQL from Debian's packages, the schema
 * created with the server's SQL tool (as auto-setup does), the frontend, history, matching and internal-worker
 * services each in its own `temporal-server start --service=<name>` process on the server's Docker config template,
 * the dynamic config file compose mounts, and the namespace and search attributes registered by the same
 * `deploy/register-search-attributes.sh` compose runs (with the pinned dev CLI as the `temporal` client).
 *
 * Every service can be killed and brought back on its ports; PostgreSQL can crash and recover. Settings come from
 * `deploy/cluster.env` ({@link clusterSettings}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import path from 'node:path';
import { locateTemporalCli } from '../../src/temporal-binaries';
import { ensureTemporalBuild, type TemporalBuild } from './build';
import { ensurePostgresInstalled, PostgresServer } from './postgres';
import { clusterSettings, ROOT, SERVICES, type ClusterSettings, type ServiceName, type ServicePorts } from './settings';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ClusterOptions {
  /** Run directory (PostgreSQL data, logs). @default .temporal/cluster/runs/<name> */
  dir?: string;
  /** @default 'default' */
  name?: string;
  /** 'file': the ports of deploy/cluster.env (as compose); 'free': fresh free ports (tests). @default 'free' */
  ports?: 'file' | 'free';
  /** PostgreSQL port. @default 5432 with ports 'file', else free */
  postgresPort?: number;
  /** Start from an empty database. @default true */
  fresh?: boolean;
  /** Server log level. @default 'warn' */
  logLevel?: string;
  log?: (line: string) => void;
}

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly ports: ServicePorts;
  readonly pid: number | undefined;
  readonly logFile: string;
}

class Service implements ServiceProcess {
  private child?: ChildProcess;
  private exited: Promise<void> = Promise.resolve();
  constructor(
    readonly name: ServiceName,
    readonly ports: ServicePorts,
    readonly logFile: string,
    private readonly launch: () => ChildProcess
  ) {}
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }
  async start(timeoutMs: number): Promise<void> {
    const child = this.launch();
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    // The internal worker serves no gRPC of its own; its membership (ringpop) port says it is up.
    const port = this.name === 'worker' ? this.ports.membership : this.ports.grpc;
    while (!(await canConnect(port))) {
      if (!this.running) throw new Error(`temporal ${this.name} exited at start:\n${this.logTail()}`);
      if (Date.now() > deadline) throw new Error(`temporal ${this.name} not listening after ${timeoutMs} ms`);
      await sleep(250);
    }
  }
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.running) this.child!.kill(signal);
    await this.exited;
  }
  logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-3_000);
    } catch {
      return '(no log)';
    }
  }
}

export interface LocalCluster {
  readonly settings: ClusterSettings;
  readonly build: TemporalBuild;
  /** Frontend `127.0.0.1:<port>`: what clients and workers dial (TEMPORAL_ADDRESS). */
  readonly address: string;
  readonly namespace: string;
  readonly dir: string;
  readonly postgres: PostgresServer;
  readonly services: Readonly<Record<ServiceName, ServiceProcess>>;
  /** kill -9 (by default) of one service, a pause, and the same service back on the same ports. */
  restartService(name: ServiceName, opts?: { signal?: NodeJS.Signals; downMs?: number }): Promise<void>;
  /** PostgreSQL's immediate shutdown (a crash: recovery at start), a pause, and PostgreSQL back. */
  restartPostgres(opts?: { downMs?: number }): Promise<void>;
  /** Resolves once the frontend answers health checks and the namespace is usable. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Every process id of the cluster (PostgreSQL postmaster and the four services). */
  pids(): number[];
  stop(): Promise<void>;
}

function runTo(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = openSync(logFile, 'a');
    const child = spawn(cmd, args, { env, stdio: ['ignore', out, out] });
    closeSync(out);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${path.basename(cmd)} ${args.join(' ')} exited ${code}: ${readFileSync(logFile, 'utf8').slice(-2_000)}`
          )
        );
    });
  });
}

/** create-database, setup-schema 0.0 and update-schema to the newest embedded version, for both databases. */
async function setupSchema(s: ClusterSettings, build: TemporalBuild, pg: PostgresServer, logFile: string) {
  const common = ['--plugin', s.dbPlugin, '--ep', '127.0.0.1', '-p', String(pg.opts.port), '-u', s.postgresUser];
  // The password goes through the tool's SQL_PASSWORD variable, never the process list.
  const env = { ...process.env, SQL_PASSWORD: pg.password };
  for (const [db, schema] of [
    [s.database, 'postgresql/v12/temporal'],
    [s.visibilityDatabase, 'postgresql/v12/visibility'],
  ] as const) {
    const args = [...common, '--db', db];
    await runTo(build.sqlToolBin, [...args, 'create-database'], env, logFile);
    await runTo(build.sqlToolBin, [...args, 'setup-schema', '-v', '0.0'], env, logFile);
    await runTo(build.sqlToolBin, [...args, 'update-schema', '--schema-name', schema], env, logFile);
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free port below the kernel's ephemeral range. Temporal stores membership ports in a PostgreSQL `smallint`
 * (cluster_membership.rpc_port), so ports above 32767 fail at start; port 0 hands out 32768 and up on Linux.
 */
export async function freeLowPort(taken: Set<number> = new Set()): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(port) && (await canListen(port))) {
      taken.add(port);
      return port;
    }
  }
}

async function allocatePorts(s: ClusterSettings, mode: 'file' | 'free') {
  if (mode === 'file') return { ...s.ports };
  const taken = new Set<number>();
  const svc = async (): Promise<ServicePorts> => ({
    grpc: await freeLowPort(taken),
    membership: await freeLowPort(taken),
  });
  return {
    frontend: await svc(),
    history: await svc(),
    matching: await svc(),
    worker: await svc(),
    frontendHttp: await freeLowPort(taken),
  };
}

type ClusterPorts = Awaited<ReturnType<typeof allocatePorts>>;

/**
 * The variables compose gives the auto-setup container, with this machine's addresses and ports. Nothing else of
 * our environment reaches the server (no MJ_* secret of the calling shell).
 */
function serverEnvironment(s: ClusterSettings, ports: ClusterPorts, pg: PostgresServer, logLevel: string) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...s.env,
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(pg.opts.port),
    POSTGRES_PORT: String(pg.opts.port),
    POSTGRES_PWD: pg.password,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: s.dynamicConfigFile,
    LOG_LEVEL: logLevel,
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
  };
  for (const name of SERVICES) {
    env[`${name.toUpperCase()}_GRPC_PORT`] = String(ports[name].grpc);
    env[`${name.toUpperCase()}_MEMBERSHIP_PORT`] = String(ports[name].membership);
  }
  return env;
}

/** One `temporal-server start --service=<name>` per service, on the module's Docker config template. */
function createServices(build: TemporalBuild, dir: string, ports: ClusterPorts, env: NodeJS.ProcessEnv) {
  const args = (name: ServiceName) => [
    ...['--root', build.configRoot, '--config', 'config', '--env', 'docker', '--allow-no-auth'],
    ...['start', '--service', name],
  ];
  return Object.fromEntries(
    SERVICES.map((name) => {
      const logFile = path.join(dir, `${name}.log`);
      const launch = () => {
        const out = openSync(logFile, 'a');
        const child = spawn(build.serverBin, args(name), { env, stdio: ['ignore', out, out] });
        closeSync(out);
        return child;
      };
      return [name, new Service(name, ports[name], logFile, launch)];
    })
  ) as Record<ServiceName, Service>;
}

/** Builds if needed, then brings the whole cluster up. */
export async function startCluster(opts: ClusterOptions = {}): Promise<LocalCluster> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[cluster] ${l}\n`));
  const s = clusterSettings();
  const build = await ensureTemporalBuild(s.temporalVersion, log);
  const pgBin = await ensurePostgresInstalled(log);
  const dir = opts.dir ?? path.join(ROOT, '.temporal', 'cluster', 'runs', opts.name ?? 'default');
  const fresh = opts.fresh ?? true;
  if (fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const portMode = opts.ports ?? 'free';
  const ports = await allocatePorts(s, portMode);
  const pgPort = opts.postgresPort ?? (portMode === 'file' ? 5432 : await freeLowPort());
  const pg = new PostgresServer({
    bin: pgBin,
    dir: path.join(dir, 'postgres'),
    port: pgPort,
    user: s.postgresUser,
    fresh,
  });
  pg.init();
  await pg.start();
  const setupLog = path.join(dir, 'setup.log');
  if (!pg.psql(`SELECT 1 FROM pg_database WHERE datname = '${s.database}'`)) await setupSchema(s, build, pg, setupLog);
  log(`PostgreSQL on 127.0.0.1:${pgPort}, schema ready (${dir})`);

  const services = createServices(build, dir, ports, serverEnvironment(s, ports, pg, opts.logLevel ?? 'warn'));

  const address = `127.0.0.1:${ports.frontend.grpc}`;
  const cli = locateTemporalCli();
  const cluster: LocalCluster = {
    settings: s,
    build,
    address,
    namespace: s.namespace,
    dir,
    postgres: pg,
    services,
    async restartService(name, { signal = 'SIGKILL', downMs = 1_000 } = {}) {
      const svc = services[name];
      await svc.kill(signal);
      await sleep(downMs);
      for (let attempt = 1; ; attempt++) {
        try {
          await svc.start(90_000);
          return;
        } catch (err) {
          if (attempt >= 5) throw err;
          await sleep(1_000); // the port may linger for a moment after a kill
        }
      }
    },
    async restartPostgres({ downMs = 1_000 } = {}) {
      await pg.stop('SIGQUIT');
      await sleep(downMs);
      await pg.start();
    },
    async waitHealthy(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await runTo(
            cli,
            ['operator', 'namespace', 'describe', '--address', address, '--namespace', s.namespace],
            process.env,
            path.join(dir, 'health.log')
          );
          return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(1_000);
        }
      }
    },
    pids() {
      return [pg.pid, ...SERVICES.map((n) => services[n].pid)].filter((p): p is number => p !== undefined);
    },
    async stop() {
      await Promise.all(SERVICES.map((n) => services[n].kill('SIGTERM')));
      await pg.stop('SIGINT');
    },
  };

  try {
    // Frontend first (it owns the namespace registry), then the rest, as a rolling deploy would.
    for (const name of SERVICES) await services[name].start(120_000);
    log(`Temporal v${s.temporalVersion}: ${SERVICES.map((n) => `${n} pid ${services[n].pid}`).join(', ')}`);
    await registerNamespace(cluster, cli);
    await cluster.waitHealthy();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Runs deploy/register-search-attributes.sh exactly as compose's admin-tools job does, with our pinned CLI. */
async function registerNamespace(cluster: LocalCluster, cli: string): Promise<void> {
  const env = {
    ...process.env,
    ...cluster.settings.env,
    PATH: `${path.dirname(cli)}:${process.env.PATH ?? ''}`,
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
  };
  await runTo(
    '/bin/sh',
    [path.join(ROOT, 'deploy', 'register-search-attributes.sh')],
    env,
    path.join(cluster.dir, 'register.log')
  );
}
