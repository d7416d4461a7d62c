/**
 * The base of every absolute URL the gateway hands out: image URLs in task views and callbacks, upload URLs, the
 * console's address, the `baseUrl` kept in the gateway memo. It comes from configuration
 * (`MJ_GATEWAY_PUBLIC_URL`), else the listen address; a request's `Host` or `X-Forwarded-*` headers count only
 * when the operator trusts a proxy in front (`MJ_GATEWAY_TRUST_PROXY`) and set no public URL.
 */
import type http from 'node:http';
import type { GatewayOptionsWithDefaults } from '../config/gateway';

type UrlOptions = Pick<GatewayOptionsWithDefaults, 'publicBaseUrl' | 'trustProxy'>;

/** `http://<host>:<port>` of a listening server (IPv6 hosts in brackets). */
export function listenUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The configured base: `publicBaseUrl`, else the listen address. */
export function configuredBaseUrl(o: UrlOptions, listen: string): string {
  return o.publicBaseUrl ?? listen;
}

/** A host[:port] as a proxy may forward it: a DNS name, IPv4 or a bracketed IPv6 address. */
const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function first(h: string | string[] | undefined): string | undefined {
  const v = (Array.isArray(h) ? h[0] : h)?.split(',')[0]?.trim();
  return v || undefined;
}

/** The base of absolute URLs in the answer to `req`. */
export function requestBaseUrl(o: UrlOptions, listen: string, req: http.IncomingMessage): string {
  if (o.publicBaseUrl || !o.trustProxy) return configuredBaseUrl(o, listen);
  const host = first(req.headers['x-forwarded-host']) ?? first(req.headers.host);
  if (!host || !HOST_RE.test(host)) return listen;
  const proto = first(req.headers['x-forwarded-proto'])?.toLowerCase() === 'https' ? 'https' : 'http';
  return `${proto}://${host}`;
}

/**
 * The base of image URLs in a callback's payload. The memo's `baseUrl` (recorded at submit) counts only behind a
 * trusted proxy without a public URL: there it is what the proxy forwarded; otherwise the configured base wins, so
 * a memo written before this rule (from a caller's Host header) cannot steer it.
 */
export function callbackBaseUrl(o: UrlOptions, listen: string, memoBaseUrl: string | undefined): string {
  return !o.publicBaseUrl && o.trustProxy && memoBaseUrl ? memoBaseUrl : configuredBaseUrl(o, listen);
}
