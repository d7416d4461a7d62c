/** Reading capped bodies and writing compact JSON answers (every answer JSON, even 401/404; docs/mj-clients.md §4.7). */
import type http from 'node:http';
import { GatewayError } from './errors';

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  if (res.headersSent) return;
  // JSON.stringify is compact ("code":21 without a space), which new-api's literal rewrite relies on.
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function errorBody(
  code: number,
  description: string,
  extra: { field?: string; rule?: string; properties?: Record<string, unknown> } = {}
) {
  return {
    code,
    description,
    result: null,
    properties: {
      ...(extra.field ? { field: extra.field } : {}),
      ...(extra.rule ? { rule: extra.rule } : {}),
      ...extra.properties,
    },
  };
}

/** Reads at most `max` bytes; past that, a 413 GatewayError (the caller closes the connection). */
export function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const tooLarge = () =>
    new GatewayError(413, 4, `body must be at most ${max} bytes`, { field: 'body', rule: 'max-bytes' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A JSON object body; an empty body or a literal `null` (new-api's GET image-seed) is `{}`. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8').trim();
  if (text === '' || text === 'null') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new GatewayError(400, 4, 'body must be valid JSON', { field: 'body', rule: 'json' });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new GatewayError(400, 4, 'body must be a JSON object', { field: 'body', rule: 'object' });
  return v as Record<string, unknown>;
}

/**
 * JSON routes take `application/json` (parameters allowed; a charset, if named, UTF-8), what every client of
 * docs/mj-clients.md sends. A POST without a content type passes only with an empty body (`required` is false
 * before the body is read). Anything else is a 415 naming `content-type`.
 */
export function checkJsonContentType(headers: http.IncomingHttpHeaders, required = false): void {
  const raw = headers['content-type'];
  if (raw === undefined && !required) return;
  const [type, ...params] = (raw ?? '').split(';').map((p) => p.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (type === 'application/json' && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return;
  throw new GatewayError(
    415,
    4,
    `content-type must be application/json${raw === undefined ? ' (none was sent)' : `, not ${JSON.stringify(raw.slice(0, 100))}`}`,
    { field: 'content-type', rule: 'application-json' }
  );
}
