/**
 * `CliContext`: what every command gets. Config and the client are loaded on first use, so input is validated
 * before anything needs the server; output is one JSON document with `--json`, else human text.
 */
import path from 'node:path';
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { MjJobsClient } from '../client';
import { loadConfig, type Config } from '../config';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

/** Attempts of a call before the server counts as unreachable: a person waits at the prompt. */
const CONNECT_ATTEMPTS = 4;

export class CliContext {
  json = false;
  private config?: Config;
  private jobs?: MjJobsClient;
  private connection?: Connection;

  constructor(
    readonly io: Io,
    private readonly env: NodeJS.ProcessEnv
  ) {}

  /**
   * The configuration of the environment. Without `MJ_ASSET_DIR`, the local asset store is `<MJ_DATA_DIR>/assets`
   * (`./data/assets`), the directory `npm start` gives its worker, so the CLI reads the masks and images it stores.
   */
  getConfig(): Config {
    if (!this.config) {
      const config = loadConfig(this.env);
      const defaultDir = !this.env.MJ_ASSET_DIR && config.assets.kind === 'local';
      this.config = defaultDir
        ? loadConfig({ ...this.env, MJ_ASSET_DIR: path.resolve(config.dev.dataDir, 'assets') })
        : config;
    }
    return this.config;
  }

  /**
   * The client, connected lazily. An unreachable server is reported after a few quick retries rather than the SDK's
   * default of about 20 s.
   */
  async client(): Promise<MjJobsClient> {
    if (!this.jobs) {
      const config = this.getConfig();
      this.connection = Connection.lazy({
        ...config.temporal.connectionOptions,
        connectTimeout: '5s',
        interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: CONNECT_ATTEMPTS }))],
      });
      this.jobs = await MjJobsClient.connect({
        config,
        connection: this.connection,
        // Where the gateway's registry runs (`keys`); the gateway reads the same variable (src/config/gateway.ts).
        gatewayTaskQueue: this.env.MJ_GATEWAY_TASK_QUEUE || undefined,
      });
    }
    return this.jobs;
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }

  /** One JSON document, or the human text. */
  print(doc: Record<string, unknown>, human: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify({ ok: true, ...doc }, null, 2)}\n`);
    else this.io.stdout.write(`${human()}\n`);
  }

  /** A warning (stderr), also with `--json`: stdout stays one JSON document. */
  warn(text: string): void {
    this.io.stderr.write(`warning: ${text}\n`);
  }

  /** A note for a person (stderr), silent with `--json`. */
  info(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }
}
