import {
  type LeanMcpHttpEndpoint,
  type Logger,
  type McpRequest,
  type McpResponse,
  readCorrelationId,
  type ServiceMetrics,
  sendJsonRpcError,
} from '@switchboard/shared';
import type { Gateway } from '../gateway.ts';
import type { Identity } from '../identity/identity.ts';
import { METADATA_PATH } from '../identity/resource-metadata.ts';
import { isRequest, type JsonRpcMessage, PROTOCOL_VERSIONS } from '../json-rpc.ts';
import type { FederationView } from './federation-view.ts';
import { createHttpIdentify } from './http-identify.ts';
import { type HttpSession, HttpSessions } from './http-sessions.ts';
import { PostExchange } from './post-exchange.ts';
import { parseEventId } from './sse-stream.ts';

export interface OrchestratorEndpointOptions {
  federation: FederationView & { gateway: Gateway };
  log: Logger;
  kitMetrics: ServiceMetrics;
  maxSessions: number;
  sessionIdleMs: number;
}

function accepts(req: McpRequest, type: string): boolean {
  return String(req.headers.accept ?? '').includes(type);
}

/** The request's correlation id: the kit's HTTP layer has read it (readCorrelationId) and stored it on the headers. */
function correlationOf(req: McpRequest): string {
  return readCorrelationId({ headers: req.headers });
}

/** The body's JSON-RPC messages, or undefined after answering 400. */
function parseMessages(req: McpRequest, res: McpResponse): JsonRpcMessage[] | undefined {
  const body: unknown = req.body;
  const messages = Array.isArray(body) ? body : [body];
  if (
    body === undefined ||
    messages.length === 0 ||
    messages.some((m) => !m || typeof m !== 'object' || (m as { jsonrpc?: unknown }).jsonrpc !== '2.0')
  ) {
    sendJsonRpcError(res, 400, -32600, 'Invalid Request: the body must be a JSON-RPC 2.0 message');
    return undefined;
  }
  return messages as JsonRpcMessage[];
}

/** Runs a POST's messages through the session; requests answer on this POST (JSON or SSE). */
function dispatch(
  sessions: HttpSessions,
  state: HttpSession,
  req: McpRequest,
  res: McpResponse,
  messages: JsonRpcMessage[],
  headers: Record<string, string>,
  identity: Identity,
): void {
  const carrier = { correlationId: correlationOf(req), identity };
  const requests = messages.filter(isRequest);
  if (requests.length === 0) {
    for (const message of messages) void state.session.handle(message, carrier);
    res.writeHead(202, headers).end();
    return;
  }
  const exchange = new PostExchange(
    res,
    headers,
    new Set(requests.map((r) => r.id)),
    (stream) => sessions.keepStream(state, stream),
    () => {
      for (const request of requests) if (state.exchanges.get(request.id) === exchange) state.exchanges.delete(request.id);
    },
  );
  for (const request of requests) state.exchanges.set(request.id, exchange);
  for (const message of messages) {
    void state.session.handle(message, carrier).then((response) => {
      if (!isRequest(message)) return;
      if (response) exchange.deliver(response);
      else exchange.dropped(message.id);
    });
  }
}

/**
 * The orchestrator's MCP transports, written against the kit's McpRequest and McpResponse (a lean endpoint: its
 * POSTs take the kit's fast path, not node:http) so a proxied call costs little: Streamable HTTP at `/mcp`
 * (aggregated) and `/mcp/<namespace>` (one upstream), with sessions, resumable SSE streams and a standalone GET
 * stream; the legacy HTTP+SSE transport at `/sse` (and `/sse/<namespace>`) with `/messages`.
 */
export function createOrchestratorEndpoint(options: OrchestratorEndpointOptions): LeanMcpHttpEndpoint {
  const { federation } = options;
  const sessions = new HttpSessions(options);
  const http = createHttpIdentify(federation.gateway, federation.config);

  /** The namespace of `/mcp/<ns>` or `/sse/<ns>`; false (answered 404) when it is not configured. */
  const namespaceOf = (path: string, res: McpResponse): string | undefined | false => {
    const slash = path.indexOf('/', 1);
    const namespace = slash < 0 ? undefined : decodeURIComponent(path.slice(slash + 1));
    if (namespace && !federation.upstreamByNamespace(namespace)) {
      sendJsonRpcError(res, 404, -32001, `Unknown namespace "${namespace}"`);
      return false;
    }
    return namespace;
  };

  const post = (req: McpRequest, res: McpResponse, path: string, identity: Identity) => {
    if (!accepts(req, 'application/json') || !accepts(req, 'text/event-stream')) {
      sendJsonRpcError(res, 406, -32000, 'Not Acceptable: the client must accept both application/json and text/event-stream');
      return;
    }
    const namespace = namespaceOf(path, res);
    if (namespace === false) return;
    const messages = parseMessages(req, res);
    if (!messages) return;
    if (messages.some((m) => isRequest(m) && m.method === 'initialize')) {
      if (messages.length > 1) {
        sendJsonRpcError(res, 400, -32600, 'Invalid Request: initialize must be sent alone');
        return;
      }
      if (!sessions.admit(res)) return;
      const state = sessions.open('streamable-http', namespace, identity);
      sessions.track(state, res);
      dispatch(sessions, state, req, res, messages, { 'mcp-session-id': state.id }, identity);
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') {
      sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !PROTOCOL_VERSIONS.includes(version)) {
      const supported = PROTOCOL_VERSIONS.join(', ');
      sendJsonRpcError(res, 400, -32000, `Bad Request: unsupported protocol version ${version} (supported: ${supported})`);
      return;
    }
    const state = sessions.lookup(identity, res, sessionId, 'streamable-http');
    if (state) dispatch(sessions, state, req, res, messages, { 'mcp-session-id': state.id }, identity);
  };

  const get = (req: McpRequest, res: McpResponse, identity: Identity) => {
    if (!accepts(req, 'text/event-stream')) {
      sendJsonRpcError(res, 406, -32000, 'Not Acceptable: the client must accept text/event-stream');
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') {
      sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    const state = sessions.lookup(identity, res, sessionId, 'streamable-http');
    if (!state) return;
    const headers = { 'mcp-session-id': state.id };
    const lastEventId = req.headers['last-event-id'];
    const resume = typeof lastEventId === 'string' ? parseEventId(lastEventId) : undefined;
    if (resume && resume.stream !== state.standalone.id) {
      const stream = state.streams.get(resume.stream);
      if (!stream) {
        sendJsonRpcError(res, 404, -32000, 'Stream not found: it cannot be resumed');
        return;
      }
      stream.attach(res, headers, resume.seq);
      return;
    }
    if (state.standalone.attached) {
      sendJsonRpcError(res, 409, -32000, 'Conflict: only one standalone SSE stream is allowed per session');
      return;
    }
    state.standalone.attach(res, headers, resume?.seq ?? 'undelivered', true);
  };

  const remove = async (req: McpRequest, res: McpResponse, identity: Identity) => {
    const sessionId = req.headers['mcp-session-id'];
    const state = sessions.lookup(identity, res, typeof sessionId === 'string' ? sessionId : undefined, 'streamable-http');
    if (!state) return;
    await sessions.close(state);
    res.writeHead(200).end();
  };

  /** The legacy transport: one stream for everything, responses included, and POSTs to /messages. */
  const legacyConnect = (res: McpResponse, path: string, identity: Identity) => {
    const namespace = namespaceOf(path, res);
    if (namespace === false || !sessions.admit(res)) return;
    const state = sessions.open('sse', namespace, identity);
    sessions.track(state, res);
    state.standalone.attach(res, {}, undefined, true);
    res.write(`event: endpoint\ndata: /messages?sessionId=${state.id}\n\n`);
    res.on('close', () => void sessions.close(state));
  };

  const legacyMessage = (req: McpRequest, res: McpResponse, query: URLSearchParams, identity: Identity) => {
    const state = sessions.lookup(identity, res, query.get('sessionId') ?? undefined, 'sse');
    if (!state) return;
    const messages = parseMessages(req, res);
    if (!messages) return;
    res.writeHead(202).end('Accepted');
    const carrier = { correlationId: correlationOf(req), identity };
    for (const message of messages) {
      void state.session.handle(message, carrier).then((response) => {
        if (response) state.standalone.write(response);
      });
    }
  };

  /** The route of an identified request. */
  const route = (req: McpRequest, res: McpResponse, path: string, query: URLSearchParams, identity: Identity) => {
    const [, root] = path.split('/', 2);
    if (root === 'mcp') {
      if (req.method === 'POST') return post(req, res, path, identity);
      if (req.method === 'GET') return get(req, res, identity);
      if (req.method === 'DELETE') return void remove(req, res, identity);
    } else if (root === 'sse' && req.method === 'GET') {
      return legacyConnect(res, path, identity);
    } else if (path === '/messages' && req.method === 'POST') {
      return legacyMessage(req, res, query, identity);
    }
    sendJsonRpcError(res, 405, -32000, `Method not allowed: ${req.method} ${path}`);
  };

  return {
    lean: true,
    // Static tokens and OAuth access tokens are checked in the identify stage, per-identity limits there too.
    authenticatesItself: true,
    paths: ['/mcp', '/sse', '/messages', METADATA_PATH],
    async handle(req, res, path, query) {
      if (req.method === 'GET' && http.metadata(path, res)) return;
      http.identify(req, res, (identity) => route(req, res, path, query, identity));
    },
    sessionCount: () => sessions.size,
    close: () => sessions.closeAll(),
  };
}
