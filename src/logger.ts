/**
 * Structured JSON logs (pino) for the worker, the webhook receiver and `npm start`, plus an adapter that makes pino
 * the Temporal SDK Runtime's logger, so SDK, workflow and activity logs come out as the same JSON lines.
 */
import type { LogLevel as SdkLogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger } from 'pino';

/**
 * Keys whose values are secrets wherever they appear. pino's redaction is the last line of defence: code should not
 * pass secrets to a logger in the first place.
 */
const REDACT_PATHS = [
  'apiKey',
  'token',
  'authorization',
  'encryptionKey',
  'password',
  'notifyHook',
  'notifyHookUrl',
  '*.apiKey',
  '*.token',
  '*.authorization',
  '*.encryptionKey',
  '*.notifyHook',
  '*.notifyHookUrl',
  'headers["mj-api-secret"]',
  'headers.authorization',
];

/** The webhook path carries the token; logs show the path with the token cut out. */
export function redactWebhookPath(url: string): string {
  return url.replace(/(\/webhook\/mj\/)[^/?#\s]+/g, '$1[redacted]');
}

export interface CreateLoggerOptions {
  /** @default 'info' */
  level?: LogLevel;
  /** Added to every line as `name`. @default 'mj' */
  name?: string;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

/** Creates the process logger. One per process; pass children (`log.child({ component })`) around. */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'mj',
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination
  );
}

const TO_PINO: Record<SdkLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Observes every SDK log entry before level filtering (used to count finished workflows for metrics). */
export type SdkLogObserver = (level: SdkLogLevel, message: string, meta: LogMetadata | undefined) => void;

/**
 * A Temporal SDK `Logger` writing to pino. Install it with `Runtime.install({ logger })`. Workflow loggers' lifecycle
 * lines ("Workflow completed", "Workflow failed") pass through `observe` even when the pino level hides them; the SDK
 * does not emit them during replay, so counting them counts each outcome once per worker that ran it.
 */
export class PinoSdkLogger implements SdkLogger {
  constructor(
    private readonly target: Logger,
    private readonly observe?: SdkLogObserver
  ) {}

  log(level: SdkLogLevel, message: string, meta?: LogMetadata): void {
    this.observe?.(level, message, meta);
    // The bundler reports webpack's build statistics at INFO: useful when debugging, noise otherwise.
    const method = message.startsWith('asset workflow-bundle') ? 'debug' : (TO_PINO[level] ?? 'info');
    if (!this.target.isLevelEnabled(method)) return;
    this.target[method](sanitizeMeta(meta), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Keeps SDK metadata JSON-friendly: errors become `{ type, message }` (stacks stay at debug level). */
function sanitizeMeta(meta: LogMetadata | undefined): Record<string, unknown> {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v === 'bigint') out[k] = v.toString();
    else if (v instanceof Error) out[k] = { type: v.name, message: redactWebhookPath(v.message) };
    else out[k] = v;
  }
  return out;
}
