/**
 * Mounts the MCP server into a running gateway at `/mcp` (Streamable HTTP). Every request carries one of the
 * gateway's API keys (the same headers as the proxy API: `Authorization: Bearer`, `mj-api-secret`); a session
 * belongs to the tenant whose key opened it, and a request of another key to that session is answered 404 like an
 * unknown session. Sessions live in this process; the tasks do not (they are the tenant's jobs), so a client whose
 * session is gone after a restart initializes again and goes on with the same task ids.
 *
 * @example const gw = await startGateway({...}); const { url } = mountMcp(gw);
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { consoleWriteMeter } from '../console/mount';
import { TemporalConsoleBackend } from '../console/temporal-backend';
import { admitSubmit } from '../gateway/app';
import { GatewayError } from '../gateway/errors';
import type { RunningGateway } from '../gateway/gateway';
import { keyCandidates } from '../gateway/guards/auth';
import { errorBody, readBody, sendJson } from '../gateway/http-io';
import { createMcpServer, DEFAULT_CALL_WAIT_MS } from './mcp-server';

export interface MountMcpOptions {
  /** @default '/mcp' */
  path?: string;
  /** How long a plain (not task-augmented) tool call waits for its job. @default 90000 @unit ms */
  callWaitMs?: number;
  /** A session with no request for this long (and none open) is closed; its tasks go on. @default 1800000 @unit ms */
  sessionIdleMs?: number;
}

/** How often idle sessions are looked for. @unit ms */
const SWEEP_MS = 60_000;

interface Session {
  tenant: string;
  transport: StreamableHTTPServerTransport;
  /** Epoch ms of the last request's start or end. */
  lastSeen: number;
  /** Requests being answered now (a `tasks/result` may be open for hours). */
  open: number;
}

export interface McpMount {
  /** The MCP endpoint's public URL. */
  url: string;
  /** Ends every open session (their tasks go on) and stops answering `/mcp`, as a stopped process would. */
  close(): Promise<void>;
}

export function mountMcp(gw: RunningGateway, opts: MountMcpOptions = {}): McpMount {
  const base = (opts.path ?? '/mcp').replace(/\/+$/, '');
  const sessions = new Map<string, Session>();
  let closed = false;
  const backend = new TemporalConsoleBackend({
    mj: gw.app.mj,
    authenticate: async (key) => (await gw.tenants.authenticate(key)) ?? null,
    beforeWrite: consoleWriteMeter(gw),
  });
  const cors = {
    'access-control-allow-origin': gw.options.corsOrigin,
    'access-control-expose-headers': 'mcp-session-id',
  };

  const tenantOf = async (req: http.IncomingMessage): Promise<string | undefined> => {
    for (const key of keyCandidates(req.headers)) {
      const tenant = await gw.tenants.authenticate(key);
      if (tenant) return tenant;
    }
    return undefined;
  };

  const open = async (tenant: string): Promise<StreamableHTTPServerTransport> => {
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, { tenant, transport, lastSeen: Date.now(), open: 0 }),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    const server = createMcpServer({
      backend,
      tenant,
      callWaitMs: opts.callWaitMs ?? DEFAULT_CALL_WAIT_MS,
      beforeStart: () => admitSubmit(gw.app, tenant),
    });
    await server.connect(transport);
    return transport;
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (closed || url.pathname !== base) return false;
    const tenant = await tenantOf(req);
    if (!tenant) {
      sendJson(res, 401, errorBody(4, 'an API key is required (Authorization: Bearer <key>)', { field: 'key' }), {
        ...cors,
        'www-authenticate': 'Bearer',
      });
      return true;
    }
    const sid = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sid) ? sid[0] : sid;
    let transport: StreamableHTTPServerTransport;
    const session = sessionId === undefined ? undefined : sessions.get(sessionId);
    if (sessionId !== undefined) {
      if (!session || session.tenant !== tenant) {
        sendJson(res, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }, cors);
        return true;
      }
      transport = session.transport;
    } else transport = await open(tenant);
    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = JSON.parse((await readBody(req, gw.options.maxImageBodyBytes)).toString('utf8'));
      } catch (err) {
        const status = err instanceof GatewayError ? err.status : 400;
        sendJson(res, status, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null }, cors);
        return true;
      }
    }
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    if (session) {
      session.open++;
      session.lastSeen = Date.now();
    }
    try {
      await transport.handleRequest(req, res, body);
    } finally {
      if (session) {
        session.open--;
        session.lastSeen = Date.now();
      }
    }
    // A transport made for a request that did not initialize a session serves nobody after it.
    if (sessionId === undefined && !transport.sessionId) await transport.close();
    return true;
  };
  gw.server.addHandler(handler);
  const idleMs = opts.sessionIdleMs ?? 1_800_000;
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const s of sessions.values()) if (s.open === 0 && now - s.lastSeen > idleMs) void s.transport.close();
  }, SWEEP_MS);
  sweep.unref();
  return {
    url: `${gw.server.publicUrl}${base}`,
    close: async () => {
      closed = true;
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map((s) => s.transport.close()));
      sessions.clear();
    },
  };
}
