/**
 * A transparent HTTP proxy in front of the simulator that keeps the JSON body of every request whose path matches,
 * so a test can read exactly what reached `/mj/submit/modal` (the simulator's own log abbreviates data URLs).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  body: Record<string, unknown>;
}

export interface RecordingProxy {
  url: string;
  recorded: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string, record: RegExp): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const recorded: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      if (record.test(path) && body.length) {
        try {
          recorded.push({ path, body: JSON.parse(body.toString('utf8')) as Record<string, unknown> });
        } catch {
          recorded.push({ path, body: {} });
        }
      }
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path,
          headers: { ...req.headers, host: upstream.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        }
      );
      out.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    recorded,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
