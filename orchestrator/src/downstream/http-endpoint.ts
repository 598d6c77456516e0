import { randomUUID } from 'node:crypto';
import {
  type Caller,
  callerIdOf,
  type LeanMcpHttpEndpoint,
  type Logger,
  type McpRequest,
  type McpResponse,
  ReleasingMap,
  readCorrelationId,
  type ServiceMetrics,
  sendJsonRpcError,
} from '@switchboard/shared';
import type { Federation } from '../federation.ts';
import {
  isRequest,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcResponse,
  messageText,
  PROTOCOL_VERSIONS,
  type RequestId,
} from '../json-rpc.ts';
import type { ClientSession, MessageSink } from './client-session.ts';
import { parseEventId, SseStream } from './sse-stream.ts';

export interface OrchestratorEndpointOptions {
  federation: Federation;
  log: Logger;
  kitMetrics: ServiceMetrics;
  maxSessions: number;
  sessionIdleMs: number;
}

type Kind = 'streamable-http' | 'sse';

/** One POST that carried requests: answered as JSON when nothing else needs sending first, else as SSE. */
class PostExchange {
  #res: McpResponse;
  #headers: Record<string, string>;
  #pending: Set<RequestId>;
  #stream: SseStream | undefined;
  #onStream: (stream: SseStream) => void;
  #onDone: () => void;
  #done = false;

  constructor(
    res: McpResponse,
    headers: Record<string, string>,
    pending: Set<RequestId>,
    onStream: (s: SseStream) => void,
    onDone: () => void,
  ) {
    this.#res = res;
    this.#headers = headers;
    this.#pending = pending;
    this.#onStream = onStream;
    this.#onDone = onDone;
  }

  deliver(message: JsonRpcMessage): void {
    if (this.#done) return;
    const final = isResponse(message) && this.#pending.has(message.id);
    if (!this.#stream) {
      if (final && this.#pending.size === 1) {
        this.#done = true;
        if (!this.#res.writableEnded && !this.#res.destroyed) {
          // With its length known the response goes out in one write, not chunked.
          const body = messageText(message);
          this.#res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...this.#headers,
          });
          this.#res.end(body);
        }
        this.#onDone();
        return;
      }
      this.#stream = new SseStream(randomUUID());
      this.#onStream(this.#stream);
      if (!this.#res.destroyed) this.#stream.attach(this.#res, this.#headers);
    }
    this.#stream.write(message);
    if (final) this.#settle((message as JsonRpcResponse).id);
  }

  /** A request that ends without a response (cancelled by the client). */
  dropped(id: RequestId): void {
    if (this.#pending.has(id)) this.#settle(id);
  }

  #settle(id: RequestId): void {
    this.#pending.delete(id);
    if (this.#pending.size > 0 || this.#done) return;
    this.#done = true;
    if (this.#stream) this.#stream.end();
    else if (!this.#res.writableEnded && !this.#res.destroyed) {
      this.#res.writeHead(200, { 'content-type': 'text/event-stream', ...this.#headers });
      this.#res.end();
    }
    this.#onDone();
  }
}

interface HttpSession {
  id: string;
  kind: Kind;
  session: ClientSession;
  owner: string | undefined;
  lastSeen: number;
  openRequests: number;
  standalone: SseStream;
  /** Requests in flight, by id, to the POST that carries them. */
  exchanges: ReleasingMap<RequestId, PostExchange>;
  /** POST response streams kept for resumption, by stream id. */
  streams: Map<string, SseStream>;
}

function accepts(req: McpRequest, type: string): boolean {
  return String(req.headers.accept ?? '').includes(type);
}

function callerOf(req: McpRequest): Caller {
  const id = callerIdOf(req);
  return id ? { id, kind: 'token' } : { id: 'anonymous', kind: 'anonymous' };
}

const MAX_KEPT_STREAMS = 50;

/** The request's correlation id: the kit's HTTP layer has read it (readCorrelationId) and stored it on the headers. */
function correlationOf(req: McpRequest): string {
  return readCorrelationId({ headers: req.headers });
}

/**
 * The orchestrator's MCP transports, written against the kit's McpRequest and McpResponse (a lean endpoint: its
 * POSTs take the kit's fast path, not node:http) so a proxied call costs little: Streamable HTTP at `/mcp`
 * (aggregated) and `/mcp/<namespace>` (one upstream), with sessions, resumable SSE streams and a standalone GET
 * stream; the legacy HTTP+SSE transport at `/sse` (and `/sse/<namespace>`) with `/messages`.
 */
export function createOrchestratorEndpoint(options: OrchestratorEndpointOptions): LeanMcpHttpEndpoint {
  const { federation, log } = options;
  const sessions = new Map<string, HttpSession>();

  const report = (kind: Kind) => {
    let count = 0;
    for (const s of sessions.values()) if (s.kind === kind) count++;
    options.kitMetrics.sessionsActive.set({ service: 'orchestrator', transport: kind }, count);
  };

  const closeSession = async (state: HttpSession) => {
    if (sessions.get(state.id) !== state) return;
    sessions.delete(state.id);
    report(state.kind);
    state.standalone.close();
    for (const stream of state.streams.values()) stream.close();
    await state.session.close();
  };

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - options.sessionIdleMs;
      for (const state of sessions.values()) if (state.openRequests === 0 && state.lastSeen < cutoff) void closeSession(state);
    },
    Math.min(60_000, Math.max(1000, Math.floor(options.sessionIdleMs / 2))),
  );
  sweep.unref();

  const track = (state: HttpSession, res: McpResponse) => {
    state.lastSeen = Date.now();
    state.openRequests++;
    res.on('close', () => {
      state.openRequests--;
      state.lastSeen = Date.now();
    });
  };

  const open = (kind: Kind, namespace: string | undefined, req: McpRequest): HttpSession => {
    const id = randomUUID();
    const sink: MessageSink = {
      send: (message, related) => {
        const exchange = related === undefined ? undefined : state.exchanges.get(related);
        if (exchange) exchange.deliver(message);
        else state.standalone.write(message);
      },
    };
    const session = federation.createSession({
      namespace,
      caller: callerOf(req),
      sink,
      log: log.child({ session_id: id }),
    });
    const state: HttpSession = {
      id,
      kind,
      session,
      owner: callerIdOf(req),
      lastSeen: Date.now(),
      openRequests: 0,
      standalone: new SseStream(`${id}-get`),
      exchanges: new ReleasingMap(),
      streams: new Map(),
    };
    sessions.set(id, state);
    report(kind);
    return state;
  };

  const lookup = (req: McpRequest, res: McpResponse, id: string | undefined, kind: Kind): HttpSession | undefined => {
    const state = id ? sessions.get(id) : undefined;
    if (!state || state.kind !== kind || state.owner !== callerIdOf(req)) {
      sendJsonRpcError(res, 404, -32001, 'Session not found: it expired or was closed; initialize a new session');
      return undefined;
    }
    track(state, res);
    return state;
  };

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

  /** Runs a POST's messages through the session; requests answer on this POST (JSON or SSE). */
  const dispatch = (
    state: HttpSession,
    req: McpRequest,
    res: McpResponse,
    messages: JsonRpcMessage[],
    headers: Record<string, string>,
  ) => {
    const correlationId = correlationOf(req);
    const requests = messages.filter(isRequest);
    if (requests.length === 0) {
      for (const message of messages) void state.session.handle(message, { correlationId });
      res.writeHead(202, headers).end();
      return;
    }
    const exchange = new PostExchange(
      res,
      headers,
      new Set(requests.map((r) => r.id)),
      (stream) => {
        state.streams.set(stream.id, stream);
        if (state.streams.size > MAX_KEPT_STREAMS) state.streams.delete(state.streams.keys().next().value as string);
      },
      () => {
        for (const request of requests) if (state.exchanges.get(request.id) === exchange) state.exchanges.delete(request.id);
      },
    );
    for (const request of requests) state.exchanges.set(request.id, exchange);
    for (const message of messages) {
      void state.session.handle(message, { correlationId }).then((response) => {
        if (!isRequest(message)) return;
        if (response) exchange.deliver(response);
        else exchange.dropped(message.id);
      });
    }
  };

  const parseMessages = (req: McpRequest, res: McpResponse): JsonRpcMessage[] | undefined => {
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
  };

  const post = (req: McpRequest, res: McpResponse, path: string) => {
    if (!accepts(req, 'application/json') || !accepts(req, 'text/event-stream')) {
      sendJsonRpcError(res, 406, -32000, 'Not Acceptable: the client must accept both application/json and text/event-stream');
      return;
    }
    const namespace = namespaceOf(path, res);
    if (namespace === false) return;
    const messages = parseMessages(req, res);
    if (!messages) return;
    const isInit = messages.some((m) => isRequest(m) && m.method === 'initialize');
    const sessionId = req.headers['mcp-session-id'];
    if (isInit) {
      if (messages.length > 1) {
        sendJsonRpcError(res, 400, -32600, 'Invalid Request: initialize must be sent alone');
        return;
      }
      if (sessions.size >= options.maxSessions) {
        sendJsonRpcError(res, 503, -32000, `Too many sessions (limit ${options.maxSessions}); close one or retry later`);
        return;
      }
      const state = open('streamable-http', namespace, req);
      track(state, res);
      dispatch(state, req, res, messages, { 'mcp-session-id': state.id });
      return;
    }
    if (typeof sessionId !== 'string') {
      sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !PROTOCOL_VERSIONS.includes(version)) {
      sendJsonRpcError(
        res,
        400,
        -32000,
        `Bad Request: unsupported protocol version ${version} (supported: ${PROTOCOL_VERSIONS.join(', ')})`,
      );
      return;
    }
    const state = lookup(req, res, sessionId, 'streamable-http');
    if (state) dispatch(state, req, res, messages, { 'mcp-session-id': state.id });
  };

  const get = (req: McpRequest, res: McpResponse) => {
    if (!accepts(req, 'text/event-stream')) {
      sendJsonRpcError(res, 406, -32000, 'Not Acceptable: the client must accept text/event-stream');
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') {
      sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    const state = lookup(req, res, sessionId, 'streamable-http');
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

  const remove = async (req: McpRequest, res: McpResponse) => {
    const sessionId = req.headers['mcp-session-id'];
    const state = lookup(req, res, typeof sessionId === 'string' ? sessionId : undefined, 'streamable-http');
    if (!state) return;
    await closeSession(state);
    res.writeHead(200).end();
  };

  const legacyConnect = (req: McpRequest, res: McpResponse, path: string) => {
    const namespace = namespaceOf(path, res);
    if (namespace === false) return;
    if (sessions.size >= options.maxSessions) {
      sendJsonRpcError(res, 503, -32000, `Too many sessions (limit ${options.maxSessions}); close one or retry later`);
      return;
    }
    const state = open('sse', namespace, req);
    track(state, res);
    // The legacy transport has one stream for everything, including responses.
    state.standalone.attach(res, {}, undefined, true);
    res.write(`event: endpoint\ndata: /messages?sessionId=${state.id}\n\n`);
    res.on('close', () => void closeSession(state));
  };

  const legacyMessage = (req: McpRequest, res: McpResponse, query: URLSearchParams) => {
    const sessionId = query.get('sessionId') ?? undefined;
    const state = lookup(req, res, sessionId, 'sse');
    if (!state) return;
    const messages = parseMessages(req, res);
    if (!messages) return;
    res.writeHead(202).end('Accepted');
    const correlationId = correlationOf(req);
    for (const message of messages) {
      void state.session.handle(message, { correlationId }).then((response) => {
        if (response) state.standalone.write(response);
      });
    }
  };

  return {
    lean: true,
    paths: ['/mcp', '/sse', '/messages'],
    async handle(req, res, path, query) {
      const [, root] = path.split('/', 2);
      if (root === 'mcp') {
        if (req.method === 'POST') return post(req, res, path);
        if (req.method === 'GET') return get(req, res);
        if (req.method === 'DELETE') return remove(req, res);
      } else if (root === 'sse' && req.method === 'GET') {
        return legacyConnect(req, res, path);
      } else if (path === '/messages' && req.method === 'POST') {
        return legacyMessage(req, res, query);
      }
      sendJsonRpcError(res, 405, -32000, `Method not allowed: ${req.method} ${path}`);
    },
    sessionCount: () => sessions.size,
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map(closeSession));
    },
  };
}
