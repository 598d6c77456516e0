import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '../context.ts';
import type { NodeMcpHttpEndpoint } from '../http/app.ts';
import { callerIdOf } from '../http/auth.ts';
import { sendJsonRpcError } from '../http/json-rpc-error.ts';
import type { NodeMcpRequest } from '../http/mcp-request.ts';
import type { Logger } from '../logging/logger.ts';
import type { SessionInfo } from '../server/mcp-server.ts';
import { MemoryEventStore } from './event-store.ts';

export interface SessionEndpointOptions {
  createServer(info: SessionInfo): Server;
  log: Logger;
  stateless: boolean;
  maxSessions: number;
  sessionIdleMs: number;
  /** The caller of requests without authentication (auth none). */
  anonymous: Caller;
  /** Called with the number of sessions per transport whenever it changes. */
  onSessionCount?(transport: 'streamable-http' | 'sse', count: number): void;
}

interface Session {
  id: string;
  kind: 'streamable-http' | 'sse';
  transport: StreamableHTTPServerTransport | SSEServerTransport;
  server: Server;
  owner: string | undefined;
  lastSeen: number;
  openRequests: number;
}

function sessionIdOf(req: NodeMcpRequest): string | undefined {
  const value = req.headers['mcp-session-id'];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Serves Streamable HTTP at `/mcp` (stateful sessions with resumable SSE, or stateless by config) and the legacy
 * HTTP+SSE transport at `/sse` + `/messages`. A session is bound to the caller that opened it.
 */
export function createSessionEndpoint(options: SessionEndpointOptions): NodeMcpHttpEndpoint {
  const sessions = new Map<string, Session>();
  const { log } = options;

  const report = (kind: Session['kind']) => {
    let count = 0;
    for (const s of sessions.values()) if (s.kind === kind) count++;
    options.onSessionCount?.(kind, count);
  };

  const remove = (session: Session) => {
    if (sessions.get(session.id) === session) {
      sessions.delete(session.id);
      report(session.kind);
      log.debug({ session_id: session.id, transport: session.kind }, 'session closed');
    }
  };

  const closeSession = async (session: Session) => {
    remove(session);
    await session.transport.close().catch(() => {});
    await session.server.close().catch(() => {});
  };

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - options.sessionIdleMs;
      for (const session of sessions.values()) {
        if (session.openRequests === 0 && session.lastSeen < cutoff) {
          log.info({ session_id: session.id }, 'closing idle session');
          void closeSession(session);
        }
      }
    },
    Math.min(60_000, Math.max(1000, Math.floor(options.sessionIdleMs / 2))),
  );
  sweep.unref();

  const touch = (session: Session, res: ServerResponse) => {
    session.lastSeen = Date.now();
    session.openRequests++;
    res.on('close', () => {
      session.openRequests--;
      session.lastSeen = Date.now();
    });
  };

  /** Finds the caller's session; unknown and foreign sessions look the same (404). */
  const lookup = (
    req: NodeMcpRequest,
    res: ServerResponse,
    id: string | undefined,
    kind: Session['kind'],
  ): Session | undefined => {
    const session = id ? sessions.get(id) : undefined;
    if (!session || session.kind !== kind || session.owner !== callerIdOf(req)) {
      sendJsonRpcError(res, 404, -32001, 'Session not found: it expired or was closed; initialize a new session');
      return undefined;
    }
    touch(session, res);
    return session;
  };

  const callerFor = (req: NodeMcpRequest): Caller => {
    const id = callerIdOf(req);
    return id ? { id, kind: 'token' } : options.anonymous;
  };

  const handleStateless = async (req: NodeMcpRequest, res: ServerResponse) => {
    if (req.method !== 'POST') {
      sendJsonRpcError(res, 405, -32000, 'Method not allowed: this server is stateless and accepts POST only', undefined, {
        allow: 'POST',
      });
      return;
    }
    const server = options.createServer({ transport: 'stateless-http', defaultCaller: callerFor(req) });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };

  const handleStreamable = async (req: NodeMcpRequest, res: ServerResponse) => {
    if (options.stateless) return handleStateless(req, res);
    const id = sessionIdOf(req);
    if (id || req.method !== 'POST') {
      if (!id) {
        sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
        return;
      }
      const session = lookup(req, res, id, 'streamable-http');
      if (session) await (session.transport as StreamableHTTPServerTransport).handleRequest(req, res, req.body);
      return;
    }
    if (!isInitializeRequest(req.body)) {
      sendJsonRpcError(res, 400, -32000, 'Bad Request: no session; the first request must be initialize');
      return;
    }
    if (sessions.size >= options.maxSessions) {
      sendJsonRpcError(res, 503, -32000, `Too many sessions (limit ${options.maxSessions}); close one or retry later`);
      return;
    }
    const server = options.createServer({ transport: 'streamable-http', defaultCaller: callerFor(req) });
    let session: Session | undefined;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new MemoryEventStore(),
      onsessioninitialized: (sessionId) => {
        session = {
          id: sessionId,
          kind: 'streamable-http',
          transport,
          server,
          owner: callerIdOf(req),
          lastSeen: Date.now(),
          openRequests: 0,
        };
        sessions.set(sessionId, session);
        report('streamable-http');
        log.debug({ session_id: sessionId, caller: session.owner }, 'session opened');
      },
    });
    transport.onclose = () => {
      if (session) remove(session);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };

  const handleSseConnect = async (req: NodeMcpRequest, res: ServerResponse) => {
    if (sessions.size >= options.maxSessions) {
      sendJsonRpcError(res, 503, -32000, `Too many sessions (limit ${options.maxSessions}); close one or retry later`);
      return;
    }
    const transport = new SSEServerTransport('/messages', res);
    const server = options.createServer({ transport: 'sse', defaultCaller: callerFor(req) });
    const session: Session = {
      id: transport.sessionId,
      kind: 'sse',
      transport,
      server,
      owner: callerIdOf(req),
      lastSeen: Date.now(),
      openRequests: 1,
    };
    sessions.set(session.id, session);
    report('sse');
    transport.onclose = () => remove(session);
    res.on('close', () => {
      session.openRequests--;
      void closeSession(session);
    });
    await server.connect(transport);
  };

  const handleSseMessage = async (req: NodeMcpRequest, res: ServerResponse, query: URLSearchParams) => {
    const id = query.get('sessionId') ?? undefined;
    const session = lookup(req, res, id, 'sse');
    if (session) await (session.transport as SSEServerTransport).handlePostMessage(req, res, req.body);
  };

  return {
    paths: ['/mcp', '/sse', '/messages'],
    async handle(req, res, path, query) {
      if (path === '/mcp') return handleStreamable(req, res);
      if (path === '/sse' && req.method === 'GET') return handleSseConnect(req, res);
      if (path === '/messages' && req.method === 'POST') return handleSseMessage(req, res, query);
      sendJsonRpcError(res, 404, -32601, `No MCP endpoint at ${req.method} ${path}`);
    },
    sessionCount: () => sessions.size,
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map(closeSession));
    },
  };
}
