/**
 * {@link AssetStore} on any S3-compatible service (AWS S3, MinIO, R2), with plain undici and AWS Signature V4.
 * Path-style addressing only (`<endpoint>/<bucket>/<key>`), which MinIO needs and AWS still serves.
 */
import { createHash, createHmac } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { buildAssetKey, keyOf, sha256FromKey, sha256Hex, assertSafeKey } from './asset-keys';
import { AssetIntegrityError, AssetNotFoundError, type AssetStore, type PutAssetOptions } from './asset-store';
import { readBounded } from './bounded-body';
import { DEFAULT_HTTP_TIMEOUT_MS } from '../shared/defaults';
import type { AssetRef } from '../shared/types';

export interface S3AssetStoreOptions {
  /** Service origin, e.g. `http://127.0.0.1:9000` (MinIO) or `https://s3.eu-west-1.amazonaws.com`. */
  endpoint: string;
  bucket: string;
  /** Signing region; MinIO accepts the default. @default 'us-east-1' */
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** For temporary credentials (STS). */
  sessionToken?: string;
  /** undici dispatcher, for tests and connection tuning. @default undici's global dispatcher */
  dispatcher?: Dispatcher;
  /** Per-request deadline. @default 30_000 @unit milliseconds */
  timeoutMs?: number;
  /** Largest object `get` reads into memory. @default 256 MiB @unit bytes */
  maxBytes?: number;
}

/** Thrown when the S3 service answers with an unexpected status; `retryable` for 5xx, 429 and 408. */
export class S3RequestError extends Error {
  override readonly name = 'S3RequestError';
  readonly code = 'S3_REQUEST_FAILED';
  readonly retryable: boolean;
  constructor(
    readonly method: string,
    readonly status: number,
    readonly s3Code: string | undefined
  ) {
    super(`S3 ${method} failed with HTTP ${status}${s3Code ? ` (${s3Code})` : ''}`);
    this.retryable = status >= 500 || status === 429 || status === 408;
  }
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** Input of {@link sigV4Authorization}. Header names lower-case; must include host, x-amz-date, x-amz-content-sha256. */
export interface SigV4Request {
  method: string;
  /** Already URI-encoded path, e.g. `/bucket/images/abc.png`. */
  path: string;
  /** Canonical (sorted, encoded) query string; empty when none. @default '' */
  query?: string;
  headers: Record<string, string>;
}

/** The `Authorization` header value for a request, per AWS Signature Version 4 (single-chunk payload). */
export function sigV4Authorization(
  req: SigV4Request,
  creds: { accessKeyId: string; secretAccessKey: string; region: string; service?: string }
): string {
  const amzDate = req.headers['x-amz-date'];
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (!amzDate || !payloadHash || !req.headers.host)
    throw new TypeError('host, x-amz-date and x-amz-content-sha256 are required');
  const names = Object.keys(req.headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${req.headers[n].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [req.method, req.path, req.query ?? '', canonicalHeaders, signedHeaders, payloadHash].join(
    '\n'
  );
  const scope = `${amzDate.slice(0, 8)}/${creds.region}/${creds.service ?? 's3'}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  let key: Buffer = hmac(`AWS4${creds.secretAccessKey}`, amzDate.slice(0, 8));
  for (const part of [creds.region, creds.service ?? 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

/** Stores each asset as object `<prefix>/<sha256>.<ext>` in one bucket. */
export class S3AssetStore implements AssetStore {
  private readonly base: URL;
  private readonly region: string;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(private readonly opts: S3AssetStoreOptions) {
    this.base = new URL(opts.endpoint);
    if (!/^https?:$/.test(this.base.protocol)) throw new TypeError('S3 endpoint must be http(s)');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(opts.bucket)) throw new TypeError(`invalid S3 bucket name`);
    this.region = opts.region ?? 'us-east-1';
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  }

  async put(bytes: Uint8Array, opts: PutAssetOptions): Promise<AssetRef> {
    const sha256 = sha256Hex(bytes);
    const key = buildAssetKey(sha256, opts);
    // The signed x-amz-content-sha256 makes S3 reject a body corrupted in transit. Same key, same bytes: a re-PUT is harmless.
    const res = await this.send('PUT', key, sha256, bytes, { 'content-type': opts.contentType });
    await res.body.dump();
    if (res.statusCode !== 200) throw new S3RequestError('PUT', res.statusCode, undefined);
    return { key, sha256, size: bytes.byteLength, contentType: opts.contentType };
  }

  async get(ref: AssetRef | string): Promise<Uint8Array> {
    const key = keyOf(ref);
    const res = await this.send('GET', key, EMPTY_SHA256);
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new AssetNotFoundError(key);
    }
    if (res.statusCode !== 200)
      throw new S3RequestError('GET', res.statusCode, /<Code>([^<]{1,64})<\/Code>/.exec(await res.body.text())?.[1]);
    const bytes = await readBounded(res.body, this.maxBytes, res.headers['content-length']);
    const expected = typeof ref === 'string' ? sha256FromKey(key) : ref.sha256;
    const actual = expected ? sha256Hex(bytes) : '';
    if (expected && actual !== expected) throw new AssetIntegrityError(key, expected, actual);
    return bytes;
  }

  async has(ref: AssetRef | string): Promise<boolean> {
    const res = await this.send('HEAD', keyOf(ref), EMPTY_SHA256);
    await res.body.dump();
    if (res.statusCode === 200) return true;
    if (res.statusCode === 404) return false;
    throw new S3RequestError('HEAD', res.statusCode, undefined);
  }

  locate(ref: AssetRef | string): string {
    return new URL(this.objectPath(keyOf(ref)), this.base).toString();
  }

  private objectPath(key: string): string {
    assertSafeKey(key);
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return `${basePath}/${this.opts.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  private async send(method: 'GET' | 'HEAD' | 'PUT', key: string, payloadHash: string, body?: Uint8Array, extra = {}) {
    const path = this.objectPath(key);
    const headers: Record<string, string> = {
      ...extra,
      host: this.base.host,
      'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
      'x-amz-content-sha256': payloadHash,
      ...(this.opts.sessionToken ? { 'x-amz-security-token': this.opts.sessionToken } : {}),
    };
    headers.authorization = sigV4Authorization({ method, path, headers }, { ...this.opts, region: this.region });
    return request(new URL(path, this.base), {
      method,
      headers,
      body: body && Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      dispatcher: this.opts.dispatcher,
      signal: AbortSignal.timeout(this.timeoutMs),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }
}
