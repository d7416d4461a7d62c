/**
 * `MjClient`: the contract over HTTP. It validates every request before sending, validates every answer, and turns
 * every failure into a typed {@link MjError} that says whether it is retryable and whether a submit may have landed.
 * It never retries: retries belong to Temporal.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import {
  errorFromRejection,
  MjAuthError,
  MjConnectionError,
  type MjError,
  type MjErrorDetails,
  MjRateLimitedError,
  MjResponseError,
  MjServerError,
  MjTaskNotFoundError,
  MjTimeoutError,
  MjUnsupportedError,
  MjValidationError,
  oneLine,
} from './errors';
import {
  actionRequestSchema,
  type ActionRequest,
  blendRequestSchema,
  type BlendRequest,
  changeRequestSchema,
  type ChangeRequest,
  describeRequestSchema,
  type DescribeRequest,
  editsRequestSchema,
  type EditsRequest,
  hasWhitespaceOrControl,
  imagineRequestSchema,
  type ImagineRequest,
  listByConditionRequestSchema,
  modalRequestSchema,
  type ModalRequest,
  retextureRequestSchema,
  type RetextureRequest,
  shortenRequestSchema,
  type ShortenRequest,
  simpleChangeRequestSchema,
  type SimpleChangeRequest,
  submitResultSchema,
  taskIdSchema,
  uploadRequestSchema,
  type UploadRequest,
  validateRequest,
  videoRequestSchema,
  type VideoRequest,
} from './schemas';
import { interpretSubmitResponse, type InterpretedSubmit } from './submit-outcome';
import { collapseDuplicateTasks, parseTask, parseTaskList } from './task';
import type { MjAuthScheme, MjFeature, MjFlavour, MjTask, SpeedMode, SubmitOutcome } from './types';
import { DEFAULT_FLAVOUR, isMjAuthScheme, isMjFlavour, MJ_AUTH_SCHEMES, MJ_FLAVOURS } from './terms/flavours';
import { isSpeedMode, SPEED_MODE_LIST } from './terms/speed-modes';

/** A submit that went through: anything but `rejected` (rejections are thrown). */
export type SubmitSuccess = Exclude<SubmitOutcome, { kind: 'rejected' }>;

/** Options of {@link MjClient}. */
export interface MjClientOptions {
  /**
   * Where the proxy or gateway listens, e.g. `http://127.0.0.1:8080`. Routes are appended as `/mj/...`; a trailing
   * `/mj` or `/` is tolerated. Must be http(s), without credentials, query or fragment.
   */
  baseUrl: string;
  /**
   * Which server family answers: decides the auth header and which endpoints exist (see {@link MjClient.supports}).
   * @default 'trueai'
   */
  flavour?: MjFlavour;
  /** The proxy secret or gateway key. Never logged, never put in errors, not enumerable on the client. */
  apiKey?: string;
  /**
   * How `apiKey` is sent: `mj-api-secret: <key>`, `Authorization: <key>` or `Authorization: Bearer <key>`.
   * @default by flavour: novicezk and plus → 'mj-api-secret', trueai → 'raw-authorization', gateway → 'bearer'
   */
  authScheme?: MjAuthScheme;
  /**
   * Default speed-mode path prefix (`/mj-fast`, `/mj-turbo`, `/mj-relax`, §12); a request's own `mode` wins.
   * @default undefined (no prefix: the server's default mode)
   */
  mode?: SpeedMode;
  /**
   * Deadline for one request, from dispatch until the whole body is read; also undici's headers and body timeouts.
   * Keep it below the activity's start-to-close timeout.
   * @default 30_000
   * @unit milliseconds
   */
  timeoutMs?: number;
  /**
   * TCP/TLS connect timeout of the client's own Agent. Not allowed together with `dispatcher`, which brings its own.
   * @default 10_000
   * @unit milliseconds
   */
  connectTimeoutMs?: number;
  /**
   * The undici dispatcher to send through (tests pass a `MockAgent`). The client never closes an injected one.
   * @default a private undici Agent, closed by {@link MjClient.close}
   */
  dispatcher?: Dispatcher;
  /**
   * `User-Agent` header value.
   * @default 'mj-temporal'
   */
  userAgent?: string;
  /**
   * How often the server refreshes what fetch and list answer; polling faster only repeats the same answer. A
   * new-api gateway copies the upstream every 15 s (`UpdateMidjourneyTaskBulk`); proxies answer live (0).
   * @default by flavour: gateway → 15_000, others → 0
   * @unit milliseconds
   */
  refreshIntervalMs?: number;
}

/** {@link MjClientOptions} after {@link addDefaults}. */
export interface MjClientOptionsWithDefaults {
  baseUrl: string;
  flavour: MjFlavour;
  apiKey?: string;
  authScheme: MjAuthScheme;
  mode?: SpeedMode;
  timeoutMs: number;
  /** Undefined when a dispatcher was injected. */
  connectTimeoutMs?: number;
  dispatcher?: Dispatcher;
  userAgent: string;
  refreshIntervalMs: number;
}

/** Per-call overrides. */
export interface MjRequestOptions {
  /**
   * Speed-mode path prefix for this call. Flavours without mode routes (novicezk, plus: they answer 404 to
   * `/mj-fast/…`) leave it out, and the account's own mode applies. @default the client's `mode`
   */
  mode?: SpeedMode;
  /** Aborts the call; the signal's own reason is thrown, unchanged (e.g. Temporal's activity cancellation). */
  signal?: AbortSignal;
  /** Deadline for this call. @default the client's `timeoutMs` @unit milliseconds */
  timeoutMs?: number;
}

/** Default per-request deadline. @unit milliseconds */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default connect timeout of the client's own Agent. @unit milliseconds */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How stale a flavour's fetch can be by design (see {@link MjClientOptions.refreshIntervalMs}). @unit milliseconds */
export const DEFAULT_REFRESH_INTERVAL_MS: Record<MjFlavour, number> = {
  novicezk: 0,
  plus: 0,
  trueai: 0,
  gateway: 15_000,
};

const DEFAULT_AUTH: Record<MjFlavour, MjAuthScheme> = {
  novicezk: 'mj-api-secret',
  plus: 'mj-api-secret',
  trueai: 'raw-authorization',
  gateway: 'bearer',
};

// §2: N has change+list only; P adds action/modal/shorten; T removed change in v10 (§14.12) but has everything
// else; gateways forward most submits but have no list endpoint, and cancel is T-only.
const FEATURES: Record<MjFlavour, ReadonlySet<MjFeature>> = {
  novicezk: new Set(['change', 'list']),
  plus: new Set(['action', 'modal', 'change', 'list', 'shorten', 'image-seed']),
  trueai: new Set([
    'action',
    'modal',
    'list',
    'cancel',
    'video',
    'edits',
    'shorten',
    'upload',
    'retexture',
    'mode-prefix',
    'image-seed',
  ]),
  gateway: new Set(['action', 'modal', 'shorten', 'video', 'edits', 'upload', 'change', 'mode-prefix', 'image-seed']),
};

/** Fills in every default of {@link MjClientOptions}; the only place defaults live. */
export function addDefaults(options: MjClientOptions): MjClientOptionsWithDefaults {
  const flavour = options.flavour ?? DEFAULT_FLAVOUR;
  return {
    baseUrl: options.baseUrl,
    flavour,
    apiKey: options.apiKey,
    authScheme: options.authScheme ?? DEFAULT_AUTH[flavour] ?? 'raw-authorization',
    mode: options.mode,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    connectTimeoutMs: options.dispatcher ? undefined : (options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    dispatcher: options.dispatcher,
    userAgent: options.userAgent ?? 'mj-temporal',
    refreshIntervalMs: options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS[flavour],
  };
}

function positiveMs(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number of milliseconds`);
  }
}

function checkOptions(options: MjClientOptions): { origin: string; basePath: string } {
  if (typeof options !== 'object' || options === null) throw new TypeError('MjClient options must be an object');
  if (options.flavour !== undefined && !isMjFlavour(options.flavour)) {
    throw new TypeError(`flavour must be one of ${MJ_FLAVOURS.join(', ')}`);
  }
  if (options.authScheme !== undefined && !isMjAuthScheme(options.authScheme)) {
    throw new TypeError(`authScheme must be one of ${MJ_AUTH_SCHEMES.join(', ')}`);
  }
  if (options.mode !== undefined && !isSpeedMode(options.mode)) {
    throw new TypeError(`mode must be one of ${SPEED_MODE_LIST}`);
  }
  if (options.mode !== undefined && !FEATURES[options.flavour ?? DEFAULT_FLAVOUR].has('mode-prefix')) {
    throw new TypeError(`mode: the ${options.flavour} flavour has no speed-mode routes; set the mode on the account`);
  }
  if (options.apiKey !== undefined) {
    // The message must not echo the key.
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new TypeError('apiKey must be a non-empty string');
    }
    if (hasWhitespaceOrControl(options.apiKey)) {
      throw new TypeError('apiKey must not contain whitespace or control characters');
    }
  }
  if (options.timeoutMs !== undefined) positiveMs('timeoutMs', options.timeoutMs);
  if (options.connectTimeoutMs !== undefined) positiveMs('connectTimeoutMs', options.connectTimeoutMs);
  if (
    options.refreshIntervalMs !== undefined &&
    (typeof options.refreshIntervalMs !== 'number' ||
      !Number.isFinite(options.refreshIntervalMs) ||
      options.refreshIntervalMs < 0)
  ) {
    throw new TypeError('refreshIntervalMs must be a number of milliseconds >= 0');
  }
  if (options.dispatcher !== undefined) {
    if (typeof (options.dispatcher as { dispatch?: unknown }).dispatch !== 'function') {
      throw new TypeError('dispatcher must be an undici Dispatcher');
    }
    if (options.connectTimeoutMs !== undefined) {
      throw new TypeError('connectTimeoutMs applies only to the client’s own Agent; set it on the injected dispatcher');
    }
  }
  if (options.userAgent !== undefined && (typeof options.userAgent !== 'string' || /[\r\n]/.test(options.userAgent))) {
    throw new TypeError('userAgent must be a single-line string');
  }
  if (typeof options.baseUrl !== 'string') throw new TypeError('baseUrl must be an absolute http(s) URL');
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new TypeError('baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('baseUrl must be an http(s) URL');
  if (url.username || url.password) throw new TypeError('baseUrl must not carry credentials; pass apiKey instead');
  if (url.search || url.hash) throw new TypeError('baseUrl must not have a query string or fragment');
  let basePath = url.pathname.replace(/\/+$/, '');
  if (/\/mj$/i.test(basePath)) basePath = basePath.slice(0, -3);
  if (options.mode !== undefined && /\/mj-(?:fast|turbo|relax)$/i.test(basePath)) {
    throw new TypeError('baseUrl already ends in a speed-mode prefix; drop it or drop the mode option');
  }
  return { origin: url.origin, basePath };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Milliseconds to wait from `retry-after-ms`, else `retry-after` (seconds or an HTTP date); undefined when absent or
 * unreadable.
 */
export function parseRetryAfter(headers: IncomingHttpHeaders, nowMs: number = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && /^\d+(?:\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const ra = header(headers, 'retry-after')?.trim();
  if (!ra) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(ra)) return Math.round(Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

// Failures where the request certainly never reached the server.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_INVALID_ARG',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

const secrets = new WeakMap<MjClient, string>();

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Body text with the API key scrubbed. */
  text: string;
  /** Parsed JSON; the text itself when it is not JSON; undefined when empty. */
  json: unknown;
  endpoint: string;
}

interface CallSpec {
  method: 'GET' | 'POST';
  route: string;
  body?: unknown;
  /** A submit may create a task upstream: drives `outcomeUnknown`. */
  submit: boolean;
}

/** HTTP client for the midjourney-proxy family (§1–§7). See the module docs in `index.ts` for an example. */
export class MjClient {
  /** The server family this client talks to. */
  readonly flavour: MjFlavour;
  /** Normalised base URL (no trailing `/` or `/mj`). */
  readonly baseUrl: string;
  /** Default speed-mode prefix, if any. */
  readonly mode?: SpeedMode;
  /**
   * How often the server refreshes task answers (0: live). Pollers should not poll faster: a gateway answers the
   * same copy in between. @unit milliseconds
   */
  readonly refreshIntervalMs: number;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #authScheme: MjAuthScheme;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;

  /** Throws TypeError for invalid or conflicting options. */
  constructor(options: MjClientOptions) {
    const { origin, basePath } = checkOptions(options);
    const o = addDefaults(options);
    this.flavour = o.flavour;
    this.baseUrl = origin + basePath;
    if (o.mode) this.mode = o.mode;
    this.refreshIntervalMs = o.refreshIntervalMs;
    this.#origin = origin;
    this.#basePath = basePath;
    this.#authScheme = o.authScheme;
    this.#timeoutMs = o.timeoutMs;
    this.#userAgent = o.userAgent;
    if (o.apiKey !== undefined) secrets.set(this, o.apiKey);
    this.#ownsDispatcher = o.dispatcher === undefined;
    this.#dispatcher =
      o.dispatcher ??
      new Agent({
        connect: { timeout: o.connectTimeoutMs },
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
      });
  }

  /** Whether this flavour offers an optional endpoint (§2). Unsupported calls throw before any request is sent. */
  supports(feature: MjFeature): boolean {
    return FEATURES[this.flavour].has(feature);
  }

  /** Closes the client's own Agent; an injected dispatcher is left alone. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** A safe description of the client (never the key). */
  toJSON(): Record<string, unknown> {
    return {
      flavour: this.flavour,
      baseUrl: this.baseUrl,
      mode: this.mode,
      authScheme: this.#authScheme,
      refreshIntervalMs: this.refreshIntervalMs,
    };
  }

  /** `POST /mj/submit/imagine`. */
  submitImagine(req: ImagineRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('imagine', '/submit/imagine', imagineRequestSchema, req, o);
  }

  /** `POST /mj/submit/action` (P, T, G): press a button; `customId` comes from the parent's `buttons[]`. */
  submitAction(req: ActionRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('action', '/submit/action', actionRequestSchema, req, o, 'action');
  }

  /** `POST /mj/submit/modal` (P, T, G): confirm a MODAL child (§8). */
  submitModal(req: ModalRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('modal', '/submit/modal', modalRequestSchema, req, o, 'modal');
  }

  /** `POST /mj/submit/change` (N, P, G). */
  submitChange(req: ChangeRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('change', '/submit/change', changeRequestSchema, req, o, 'change');
  }

  /** `POST /mj/submit/simple-change` (N, P, G). */
  submitSimpleChange(req: SimpleChangeRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('simple-change', '/submit/simple-change', simpleChangeRequestSchema, req, o, 'change');
  }

  /** `POST /mj/submit/blend`: 2–5 images. */
  submitBlend(req: BlendRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('blend', '/submit/blend', blendRequestSchema, req, o);
  }

  /** `POST /mj/submit/describe`: `base64` or (T) `link`. */
  submitDescribe(req: DescribeRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('describe', '/submit/describe', describeRequestSchema, req, o);
  }

  /** `POST /mj/submit/shorten` (P, T, G). */
  submitShorten(req: ShortenRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('shorten', '/submit/shorten', shortenRequestSchema, req, o, 'shorten');
  }

  /** `POST /mj/submit/edits` (T, G). */
  submitEdits(req: EditsRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('edits', '/submit/edits', editsRequestSchema, req, o, 'edits');
  }

  /** `POST /mj/submit/retexture` (T). */
  submitRetexture(req: RetextureRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('retexture', '/submit/retexture', retextureRequestSchema, req, o, 'retexture');
  }

  /** `POST /mj/submit/video` (T, G), including `action:'extend'`. */
  submitVideo(req: VideoRequest, o?: MjRequestOptions): Promise<SubmitSuccess> {
    return this.#submit('video', '/submit/video', videoRequestSchema, req, o, 'video');
  }

  /** `POST /mj/submit/upload-discord-images` (T, G): returns the Discord CDN URLs. */
  async uploadDiscordImages(req: UploadRequest, o?: MjRequestOptions): Promise<string[]> {
    const outcome = await this.#submit(
      'upload',
      '/submit/upload-discord-images',
      uploadRequestSchema,
      req,
      o,
      'upload'
    );
    if (outcome.kind !== 'uploaded') {
      throw new MjResponseError(`expected result to be a URL array, got a ${outcome.kind} outcome`, {
        endpoint: this.#endpoint('/submit/upload-discord-images', o),
      });
    }
    return outcome.urls;
  }

  /**
   * `GET /mj/task/{id}/fetch`. Throws {@link MjTaskNotFoundError} for every not-found shape: N's empty 200, T's 204,
   * G's 400 code 4 `task_no_found`, and 404.
   */
  async fetchTask(taskId: string, o?: MjRequestOptions): Promise<MjTask> {
    const id = this.#taskId(taskId, 'fetch');
    const raw = await this.#send({ method: 'GET', route: `/task/${encodeURIComponent(id)}/fetch`, submit: false }, o);
    if (
      raw.status === 204 ||
      raw.status === 404 ||
      (isOk(raw.status) && (raw.json === undefined || raw.json === null))
    ) {
      throw new MjTaskNotFoundError(id, this.#details(raw, false));
    }
    if (!isOk(raw.status)) throw this.#nonSubmitError(raw, id);
    return parseTask(raw.json, this.#details(raw, false));
  }

  /**
   * `POST /mj/task/list-by-condition`: missing ids are dropped and order is not guaranteed. `[]` sends nothing. One
   * task per id: a new-api gateway lists a task twice after a modal (two rows), and the copy that got furthest is
   * kept.
   */
  async listTasksByIds(ids: readonly string[], o?: MjRequestOptions): Promise<MjTask[]> {
    const body = validateRequest(listByConditionRequestSchema, { ids }, 'list-by-condition');
    if (body.ids.length === 0) return [];
    const raw = await this.#send({ method: 'POST', route: '/task/list-by-condition', body, submit: false }, o);
    if (!isOk(raw.status)) throw this.#nonSubmitError(raw);
    if (raw.json === undefined || raw.json === null) return [];
    return collapseDuplicateTasks(parseTaskList(raw.json, this.#details(raw, false)));
  }

  /** `GET /mj/task/list` (N: all, T: latest 100). Not on gateways. */
  async listTasks(o?: MjRequestOptions): Promise<MjTask[]> {
    this.#require('list', 'list');
    const raw = await this.#send({ method: 'GET', route: '/task/list', submit: false }, o);
    if (!isOk(raw.status)) throw this.#nonSubmitError(raw);
    if (raw.json === undefined || raw.json === null) return [];
    return parseTaskList(raw.json, this.#details(raw, false));
  }

  /** `GET /mj/task/{id}/image-seed` (P, T, G): the seed string. */
  async getImageSeed(taskId: string, o?: MjRequestOptions): Promise<string> {
    const id = this.#taskId(taskId, 'image-seed');
    const raw = await this.#send(
      { method: 'GET', route: `/task/${encodeURIComponent(id)}/image-seed`, submit: false },
      o
    );
    const details = this.#details(raw, false);
    if (raw.status === 204 || (raw.status === 404 && raw.json === undefined))
      throw new MjTaskNotFoundError(id, details);
    const parsed = submitResultSchema.safeParse(raw.json);
    if (isOk(raw.status) && parsed.success && parsed.data.code === 1) {
      const seed = parsed.data.result;
      if (typeof seed === 'string' && seed !== '') return seed;
      throw new MjResponseError('code 1 without a seed in result', details);
    }
    if (isOk(raw.status) && !parsed.success)
      throw new MjResponseError('expected a submit result with the seed', details);
    const err = this.#nonSubmitError(raw, id);
    // T answers 404 + code 3 for an unknown task here; that is the task itself, not a parent.
    if (err.code === 'MJ_PARENT_UNAVAILABLE' && (err.upstreamCode === 3 || raw.status === 404)) {
      throw new MjTaskNotFoundError(id, { ...details, upstreamCode: err.upstreamCode });
    }
    throw err;
  }

  /** `POST /mj/task/{id}/cancel` (T only; the task becomes FAILURE "取消任务", §14.11). */
  async cancelTask(taskId: string, o?: MjRequestOptions): Promise<void> {
    this.#require('cancel', 'cancel');
    const id = this.#taskId(taskId, 'cancel');
    const raw = await this.#send({ method: 'POST', route: `/task/${encodeURIComponent(id)}/cancel`, submit: false }, o);
    if (!isOk(raw.status)) throw this.#nonSubmitError(raw, id);
  }

  async #submit<S extends z.ZodType>(
    op: string,
    route: string,
    schema: S,
    req: unknown,
    o: MjRequestOptions | undefined,
    feature?: MjFeature
  ): Promise<SubmitSuccess> {
    if (feature) this.#require(feature, op);
    const body = validateRequest(schema, req, op);
    const raw = await this.#send({ method: 'POST', route, body, submit: true }, o);
    let interpreted: InterpretedSubmit;
    try {
      interpreted = interpretSubmitResponse(raw.json, raw.status);
    } catch (e) {
      // A 2xx we cannot read may still have created a task upstream.
      const issues = e instanceof MjResponseError ? e.issues : 'unreadable submit response';
      throw new MjResponseError(issues, {
        ...this.#details(raw, true),
        outcomeUnknown: isOk(raw.status) || raw.status >= 500,
      });
    }
    const { outcome, properties, shape } = interpreted;
    if (outcome.kind !== 'rejected') return outcome;
    if (shape === 'none' && raw.status >= 500) {
      throw new MjServerError(`${raw.endpoint}: HTTP ${raw.status}`, this.#details(raw, true));
    }
    const taskId = (body as { taskId?: unknown }).taskId;
    // new-api's middleware refuses (its 503 "no channel" too) before anything is relayed: nothing was created.
    const relayed = shape !== 'openai-envelope';
    throw errorFromRejection(outcome, raw.endpoint, {
      ...this.#details(raw, relayed),
      taskId: typeof taskId === 'string' ? taskId : undefined,
      bannedWord: typeof properties.bannedWord === 'string' ? properties.bannedWord : undefined,
    });
  }

  #require(feature: MjFeature, op: string): void {
    if (!this.supports(feature)) {
      throw new MjUnsupportedError(`${op} is not supported by the ${this.flavour} flavour (feature "${feature}")`);
    }
  }

  #taskId(taskId: unknown, op: string): string {
    return validateRequest(z.object({ taskId: taskIdSchema }), { taskId }, op).taskId;
  }

  #endpoint(route: string, o?: MjRequestOptions): string {
    const mode = this.supports('mode-prefix') ? (o?.mode ?? this.mode) : undefined;
    return `${this.#basePath}${mode ? `/mj-${mode.toLowerCase()}` : ''}/mj${route}`;
  }

  #details(raw: RawResponse, submit: boolean): MjErrorDetails {
    return {
      status: raw.status,
      endpoint: raw.endpoint,
      retryAfterMs: parseRetryAfter(raw.headers),
      outcomeUnknown: submit && raw.status >= 500,
      body: raw.text === '' ? undefined : raw.text,
    };
  }

  #nonSubmitError(raw: RawResponse, taskId?: string): MjError {
    const details = this.#details(raw, false);
    const text = typeof raw.json === 'string' ? `: ${oneLine(raw.json)}` : '';
    if (raw.status === 401 || raw.status === 403) {
      return new MjAuthError(`${raw.endpoint}: HTTP ${raw.status}${text}`, details);
    }
    if (raw.status === 429) return new MjRateLimitedError(`${raw.endpoint}: HTTP 429${text}`, details);
    if (typeof raw.json === 'object' && raw.json !== null) {
      try {
        const { outcome, shape } = interpretSubmitResponse(raw.json, raw.status);
        if (outcome.kind === 'rejected' && shape !== 'none') {
          return errorFromRejection(outcome, raw.endpoint, { ...details, taskId });
        }
      } catch {
        // Not a proxy envelope: fall through to the status.
      }
    }
    if (raw.status === 404) {
      return taskId !== undefined
        ? new MjTaskNotFoundError(taskId, details)
        : new MjUnsupportedError(`${raw.endpoint}: HTTP 404, the server has no such route`, details);
    }
    if (raw.status >= 500) return new MjServerError(`${raw.endpoint}: HTTP ${raw.status}`, details);
    return new MjValidationError(`${raw.endpoint}: HTTP ${raw.status}${text}`, details);
  }

  #headers(hasBody: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent };
    if (hasBody) h['content-type'] = 'application/json';
    const key = secrets.get(this);
    if (key !== undefined) {
      if (this.#authScheme === 'mj-api-secret') h['mj-api-secret'] = key;
      else if (this.#authScheme === 'bearer') h.authorization = `Bearer ${key}`;
      else h.authorization = key;
    }
    return h;
  }

  #scrub(text: string): string {
    const key = secrets.get(this);
    return key && text.includes(key) ? text.split(key).join('[redacted]') : text;
  }

  async #send(spec: CallSpec, o: MjRequestOptions = {}): Promise<RawResponse> {
    if (o.mode !== undefined && !isSpeedMode(o.mode)) {
      throw new TypeError(`mode must be one of ${SPEED_MODE_LIST}`);
    }
    if (o.timeoutMs !== undefined) positiveMs('timeoutMs', o.timeoutMs);
    const timeoutMs = o.timeoutMs ?? this.#timeoutMs;
    const endpoint = this.#endpoint(spec.route, o);
    const label = `${spec.method} ${endpoint}`;
    o.signal?.throwIfAborted();

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    timer.unref?.();
    const signal = o.signal ? AbortSignal.any([o.signal, deadline.signal]) : deadline.signal;
    try {
      const res = await request(this.#origin + endpoint, {
        method: spec.method,
        headers: this.#headers(spec.body !== undefined),
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        dispatcher: this.#dispatcher,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = this.#scrub(await res.body.text());
      let json: unknown;
      if (text.trim() !== '') {
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
      }
      return { status: res.statusCode, headers: res.headers, text, json, endpoint };
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      const code = errorCode(err);
      const details: MjErrorDetails = { endpoint, cause: err };
      if (deadline.signal.aborted || (code !== undefined && TIMEOUT_CODES.has(code))) {
        throw new MjTimeoutError(`${label}: no complete response within ${timeoutMs} ms`, code, {
          ...details,
          // The request was on the wire: a submit may have been accepted.
          outcomeUnknown: spec.submit,
        });
      }
      const sent = code === undefined || !NOT_SENT_CODES.has(code);
      throw new MjConnectionError(`${label}: connection failed (${code ?? 'unknown error'})`, code, {
        ...details,
        outcomeUnknown: spec.submit && sent,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}
