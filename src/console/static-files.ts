/** The console's own scripts and styles, served from `src/console/static/` (no CDN, nothing fetched at run time). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { securityHeaders } from './http';

const DIR = path.join(__dirname, 'static');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const cache = new Map<string, Buffer>();

/** Serves `name` if it is one of the console's files; false otherwise. */
export async function serveStatic(res: ServerResponse, name: string): Promise<boolean> {
  if (!/^[\w-]+\.(js|css|svg)$/.test(name)) return false;
  let body = cache.get(name);
  if (!body) {
    body = await readFile(path.join(DIR, name)).catch(() => undefined);
    if (!body) return false;
    cache.set(name, body);
  }
  securityHeaders(res);
  res.writeHead(200, {
    'content-type': TYPES[path.extname(name)]!,
    'content-length': String(body.length),
    'cache-control': 'no-cache',
  });
  res.end(body);
  return true;
}
