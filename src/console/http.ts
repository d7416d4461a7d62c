/**
 * Request and response plumbing of the console: security headers on every answer, form bodies (URL-encoded and
 * multipart, parsed by the platform's `Request.formData()`) with a size cap, redirects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBounded } from '../assets';
import type { SafeHtml } from './html';

export { BodyTooLargeError } from '../assets';

/** Scripts, styles and images only from the console itself; no inline code, no framing, forms post only here. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** `same-origin` referrer policy: the console's own form posts carry their `Origin` (router.ts checks it), no other site learns a console URL. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export function securityHeaders(res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  body: SafeHtml,
  headers: Record<string, string> = {}
): void {
  securityHeaders(res);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`<!doctype html>\n${body.value}`);
}

export function sendFragment(res: ServerResponse, body: SafeHtml): void {
  securityHeaders(res);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body.value);
}

export function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  securityHeaders(res);
  if (cookies.length) res.setHeader('set-cookie', cookies);
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

export function sendBytes(
  res: ServerResponse,
  bytes: Uint8Array,
  contentType: string,
  headers: Record<string, string> = {}
): void {
  securityHeaders(res);
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': String(bytes.byteLength),
    'cache-control': 'private, max-age=300',
    ...headers,
  });
  res.end(bytes);
}

/** A posted form: text fields and uploaded files. */
export interface Form {
  get(name: string): string | undefined;
  files(name: string): Promise<Uint8Array[]>;
}

export async function readForm(req: IncomingMessage, limit: number): Promise<Form> {
  const body = await readBounded(req, limit, req.headers['content-length']);
  const type = req.headers['content-type'] ?? 'application/x-www-form-urlencoded';
  const data = await new Request('http://console.local/', {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  })
    .formData()
    .catch(() => new FormData());
  return {
    get(name) {
      const v = data.get(name);
      return typeof v === 'string' ? v : undefined;
    },
    async files(name) {
      const out: Uint8Array[] = [];
      for (const v of data.getAll(name)) {
        if (typeof v !== 'string' && v.size > 0) out.push(new Uint8Array(await v.arrayBuffer()));
      }
      return out;
    },
  };
}
