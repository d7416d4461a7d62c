/**
 * The API key of a request, in the three forms clients send (docs/mj-clients.md §3): `mj-api-secret: X`,
 * `Authorization: Bearer X`, or a bare `Authorization: X`. Empty headers (MjProxy sends `mj-api-secret: ""`) and
 * new-api's placeholder `midjourney-proxy` count as absent; each candidate is tried.
 */
import type http from 'node:http';

export function keyCandidates(headers: http.IncomingHttpHeaders): string[] {
  const out: string[] = [];
  const secret = headers['mj-api-secret'];
  const s = (Array.isArray(secret) ? secret[0] : secret)?.trim();
  if (s) out.push(s);
  const a = headers.authorization?.trim();
  if (a && a !== 'midjourney-proxy') {
    const bare = a.replace(/^bearer\s+/i, '').trim();
    if (bare && !out.includes(bare)) out.push(bare);
  }
  return out;
}
