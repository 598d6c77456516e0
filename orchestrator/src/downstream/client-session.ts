import { randomUUID } from 'node:crypto';
import {
  acceptsErrorEnvelope,
  type Caller,
  type ClientLogLevel,
  type CompiledTool,
  createIdempotent,
  decodeCursor,
  type ElicitationAnswer,
  type ElicitationForm,
  encodeCursor,
  errorResult,
  findCorrelationId,
  type Logger,
  ReleasingMap,
  runToolCall,
  type ToolContext,
  ToolError,
  writeCorrelationId,
} from '@switchboard/shared';
import {
  errorMessage,
  isRequest,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  PROTOCOL_VERSIONS,
  type RequestId,
  RPC,
  reidentified,
  resultMessage,
} from '../json-rpc.ts';
import type { ToolRoute } from '../registry/registry.ts';
import { backoffDelay } from '../upstream/backoff.ts';
import { CancelToken, pause, SESSION_CLOSED } from '../upstream/cancel-token.ts';
import { TransportError } from '../upstream/transport.ts';
import { type ClientLink, type Upstream, UpstreamUnavailableError } from '../upstream/upstream.ts';
import { RequestAbortedError, type UpstreamSession, UpstreamTimeoutError } from '../upstream/upstream-session.ts';
import type { FederationView } from './federation-view.ts';

/** Where a session's outgoing messages go; `related` is the client request a message belongs to. */
export interface MessageSink {
  send(message: JsonRpcMessage, related?: RequestId): void;
}

export interface ClientSessionOptions {
  federation: FederationView;
  /** Set for `/mcp/<namespace>`: the session sees that one upstream, un-prefixed. */
  namespace?: string | undefined;
  caller: Caller;
  sink: MessageSink;
  log: Logger;
}

/** How one request is forwarded. */
interface ForwardOptions {
  timeoutMs?: number;
  /** Transport failures may be retried even after the request left (a read-only or idempotent tool). */
  retryable?: boolean;
  /** The upstream's own name of the tool called (`params.name` as sent upstream). */
  tool?: string;
}

/** Facts about the HTTP request (or stdio line) that carried a message. */
export interface Carrier {
  /** The carrying request's id (readCorrelationId over its headers); a message's `_meta` id wins over it (handle). */
  correlationId: string;
}

const LEVELS: ClientLogLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const RELAY_TIMEOUT_MS = 10 * 60 * 1000;
const CAPABILITY_OF: Record<string, string> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/**
 * An error result the client can accept: with `structuredContent.error` when the tool's output schema admits
 * the error envelope (ours do), else with the same payload in `_meta`, since clients validate structuredContent
 * against the schema even on errors.
 */
function errorResultFor(outputSchema: unknown, error: ToolError): Record<string, unknown> {
  const result = errorResult(error) as Record<string, unknown>;
  if (acceptsErrorEnvelope(outputSchema)) return result;
  const { structuredContent, ...rest } = result;
  return { ...rest, _meta: { 'io.switchboard/error': (structuredContent as { error: unknown }).error } };
}

/**
 * One downstream MCP session. It answers initialize, lists from the registry, and forwards calls as raw JSON-RPC
 * to the upstream session that serves this client, rewriting only ids, progress tokens and names. Whatever the
 * upstream sends in the course of a call (progress, logs, elicitation, sampling, roots) comes back to this
 * session, on the stream of the request it belongs to, and the client's answers go back up.
 */
export class ClientSession implements ClientLink {
  readonly id = randomUUID();
  readonly namespace: string | undefined;
  readonly caller: Caller;
  readonly log: Logger;
  capabilities: Record<string, unknown> = {};
  clientInfo = { name: 'unknown', version: '0' };
  protocolVersion = PROTOCOL_VERSIONS[0] as string;
  logLevel: ClientLogLevel | undefined;
  initialized = false;
  readonly subscriptions = new Set<string>();
  #federation: FederationView;
  #sink: MessageSink;
  #calls = new ReleasingMap<RequestId, CancelToken>();
  #relays = new Map<RequestId, { finish: (response: JsonRpcResponse) => void; upstreamId: RequestId | undefined }>();
  #nextRelayId = 1;
  #closed = false;

  constructor(options: ClientSessionOptions) {
    this.#federation = options.federation;
    this.namespace = options.namespace;
    this.caller = options.caller;
    this.#sink = options.sink;
    this.log = options.log;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The upstream of a `/mcp/<namespace>` session. */
  #pinned(): Upstream {
    const upstream = this.namespace ? this.#federation.upstreamByNamespace(this.namespace) : undefined;
    if (!upstream) throw new ToolError('NOT_FOUND', `namespace ${this.namespace} is not configured`);
    return upstream;
  }

  // ---- from the client -----------------------------------------------------------------------------------

  /** Handles one client message; a request resolves to its response, anything else to undefined. */
  async handle(message: JsonRpcMessage, carrier: Carrier): Promise<JsonRpcResponse | undefined> {
    if (isResponse(message)) {
      this.#relays.get(message.id)?.finish(message);
      return undefined;
    }
    if (!isRequest(message)) {
      this.#notification(message);
      return undefined;
    }
    // The message's own id (its `_meta`) wins over the carrying request's: read once, used by every log line and hop.
    const meta = (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
    const own = meta === undefined ? undefined : findCorrelationId({ meta });
    try {
      return await this.#request(message, own === undefined || own === carrier.correlationId ? carrier : { correlationId: own });
    } catch (error) {
      // A cancelled request gets no response (MCP cancellation).
      if (error instanceof RequestAbortedError) return undefined;
      return this.#errorResponse(message.id, error);
    }
  }

  #errorResponse(id: RequestId, error: unknown): JsonRpcResponse {
    if (error instanceof ToolError) {
      const code =
        error.code === 'NOT_FOUND'
          ? RPC.resourceNotFound
          : error.code === 'INVALID_ARGUMENT'
            ? RPC.invalidParams
            : RPC.internalError;
      return errorMessage(id, code, error.message, { code: error.code, retryable: error.retryable, ...error.details });
    }
    const toolError = this.#toToolError(error);
    return errorMessage(id, RPC.internalError, toolError.message, {
      code: toolError.code,
      retryable: toolError.retryable,
      ...toolError.details,
    });
  }

  #notification(message: JsonRpcNotification): void {
    switch (message.method) {
      case 'notifications/initialized':
        this.initialized = true;
        return;
      case 'notifications/cancelled': {
        const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        if (id !== undefined) this.#calls.get(id)?.abort();
        return;
      }
      case 'notifications/roots/list_changed':
        void this.#toMySessions((session) => session.notify(message.method, message.params));
        return;
      default:
        return;
    }
  }

  /** A request's response, or the promise of it (not an async function: a returned promise would cost extra turns). */
  #request(request: JsonRpcRequest, carrier: Carrier): Promise<JsonRpcResponse> | JsonRpcResponse {
    const params = request.params ?? {};
    switch (request.method) {
      case 'initialize':
        return this.#initialize(request);
      case 'ping':
        return resultMessage(request.id, {});
      case 'tools/list':
        return this.#page(
          request.id,
          'tools',
          this.namespace ? this.#pinnedTools() : this.#federation.registry.toolList,
          params.cursor,
        );
      case 'tools/call':
        return this.#callTool(request, carrier);
      case 'prompts/list':
        return this.#page(
          request.id,
          'prompts',
          this.namespace ? (this.#pinned().catalogue?.prompts ?? []) : this.#federation.registry.promptList,
          params.cursor,
        );
      case 'prompts/get':
        return this.#routePrompt(request, carrier);
      case 'resources/list':
        return this.#page(
          request.id,
          'resources',
          this.namespace ? (this.#pinned().catalogue?.resources ?? []) : this.#federation.registry.resourceList,
          params.cursor,
        );
      case 'resources/templates/list':
        return this.#page(
          request.id,
          'resourceTemplates',
          this.namespace ? (this.#pinned().catalogue?.templates ?? []) : this.#federation.registry.templateList,
          params.cursor,
        );
      case 'resources/read':
        return this.#routeResource(request, carrier);
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.#subscribe(request, carrier);
      case 'completion/complete':
        return this.#complete(request, carrier);
      case 'logging/setLevel':
        return this.#setLevel(request);
      case 'tasks/get':
      case 'tasks/result':
      case 'tasks/list':
      case 'tasks/cancel':
        if (!this.namespace && this.#federation.tasks) {
          const tasks = this.#federation.tasks;
          return tasks.handle(request.method, params, this.caller).then((result) => resultMessage(request.id, result));
        }
        if (this.namespace) return this.#forward(this.#pinned(), request, params, carrier);
        return errorMessage(request.id, RPC.methodNotFound, `Method not found: ${request.method}`);
      default:
        if (this.namespace) return this.#forward(this.#pinned(), request, params, carrier);
        return errorMessage(request.id, RPC.methodNotFound, `Method not found: ${request.method}`);
    }
  }

  #initialize(request: JsonRpcRequest): Promise<JsonRpcResponse> | JsonRpcResponse {
    const params = request.params as {
      protocolVersion?: string;
      capabilities?: Record<string, unknown>;
      clientInfo?: { name: string; version: string };
    };
    this.capabilities = params.capabilities ?? {};
    if (params.clientInfo) this.clientInfo = params.clientInfo;
    const requested = params.protocolVersion ?? '';
    this.protocolVersion = PROTOCOL_VERSIONS.includes(requested) ? requested : (PROTOCOL_VERSIONS[0] as string);
    if (this.namespace) return this.#initializePinned(request);
    return resultMessage(request.id, {
      protocolVersion: this.protocolVersion,
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
        ...(this.#federation.tasks ? { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } : {}),
      },
      serverInfo: this.#federation.serverInfo,
      instructions: this.#federation.instructions,
    });
  }

  /** `/mcp/<namespace>` answers initialize as the upstream did for this client's own session. */
  async #initializePinned(request: JsonRpcRequest): Promise<JsonRpcResponse> {
    const upstream = this.#pinned();
    upstream.assertAvailable();
    const session = await upstream.sessionFor(this);
    const init = session.initializeResult;
    if (!init) throw new ToolError('UPSTREAM_UNAVAILABLE', `${upstream.name} did not complete initialize`);
    return resultMessage(request.id, { ...init });
  }

  #pinnedTools() {
    return this.#pinned().catalogue?.tools ?? [];
  }

  #page(id: RequestId, key: string, items: readonly unknown[], cursor: unknown): JsonRpcResponse {
    // The kit's cursors, bound to the list they page (a tools cursor is refused by prompts/list).
    const offset = cursor === undefined ? 0 : Number(decodeCursor<{ o?: unknown }>(String(cursor), key).o);
    if (!Number.isInteger(offset) || offset < 0) throw new ToolError('INVALID_ARGUMENT', 'cursor is malformed');
    const size = this.#federation.pageSize;
    const page = items.slice(offset, offset + size);
    const result: Record<string, unknown> = { [key]: page };
    if (offset + size < items.length) result.nextCursor = encodeCursor({ o: offset + size }, key);
    return resultMessage(id, result);
  }

  // ---- tools ---------------------------------------------------------------------------------------------

  #routeTool(name: string): ToolRoute | undefined {
    if (!this.namespace) return this.#federation.registry.tools.get(name);
    const upstream = this.#pinned();
    if (!upstream.allowsTool(name)) return undefined;
    const listing = upstream.catalogue?.tools.find((t) => t.name === name) ?? { name };
    return { kind: 'upstream', upstream, name, listing };
  }

  async #callTool(request: JsonRpcRequest, carrier: Carrier): Promise<JsonRpcResponse> {
    const params = request.params as { name?: string; arguments?: unknown; _meta?: Record<string, unknown> };
    const route = typeof params.name === 'string' ? this.#routeTool(params.name) : undefined;
    if (!route) return errorMessage(request.id, RPC.invalidParams, `Unknown tool: ${String(params.name)}`);
    if (route.kind === 'local') return this.#callLocal(request, route.tool, carrier);
    const { upstream } = route;
    const metrics = this.#federation.metrics;
    const started = performance.now();
    let outcome = 'success';
    let response: JsonRpcResponse;
    try {
      response = await this.#forward(upstream, request, params, carrier, {
        timeoutMs: upstream.config.timeouts.tools[route.name] ?? upstream.config.timeouts.callMs,
        retryable: route.listing.annotations?.readOnlyHint === true || route.listing.annotations?.idempotentHint === true,
        tool: route.name,
      });
      if (response.error) outcome = 'rpc_error';
      else if (response.result?.isError === true) outcome = 'tool_error';
    } catch (error) {
      if (error instanceof RequestAbortedError) {
        outcome = 'cancelled';
        throw error;
      }
      const toolError = this.#toToolError(error, upstream.name);
      if (!(error instanceof UpstreamUnavailableError)) upstream.lastError = toolError.message;
      outcome = toolError.code.toLowerCase();
      response = resultMessage(request.id, errorResultFor(route.listing.outputSchema, toolError));
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics.record(upstream.namespace, route.name, outcome, seconds);
      this.#toolLog(upstream.namespace, route.name).info(
        { outcome, duration_ms: Math.round(seconds * 1000), correlation_id: carrier.correlationId },
        'proxied call finished',
      );
    }
    return response;
  }

  /** Loggers per proxied tool, their fixed fields serialised once (a line per call is on the hot path). */
  #toolLogs = new Map<string, Logger>();

  #toolLog(namespace: string, tool: string): Logger {
    const key = `${namespace}\u0000${tool}`;
    let log = this.#toolLogs.get(key);
    if (!log) {
      log = this.log.child({ namespace, tool, caller: this.caller.id });
      if (this.#toolLogs.size >= 256) this.#toolLogs.clear();
      this.#toolLogs.set(key, log);
    }
    return log;
  }

  /** The client-facing error for a failure; transport failures and timeouts name the upstream when known. */
  #toToolError(error: unknown, upstream?: string): ToolError {
    if (error instanceof ToolError) return error;
    if (error instanceof UpstreamUnavailableError) {
      return new ToolError('UPSTREAM_UNAVAILABLE', error.message, { details: { since: error.since.toISOString() } });
    }
    const where = upstream ? `${upstream}: ` : '';
    if (error instanceof UpstreamTimeoutError)
      return new ToolError('UPSTREAM_TIMEOUT', `${where}${error.message}`, { details: { timeoutMs: error.timeoutMs } });
    if (error instanceof TransportError) return new ToolError('UPSTREAM_UNAVAILABLE', `${where}${error.message}`);
    this.log.error({ err: error }, 'proxy failure');
    return new ToolError('INTERNAL', 'the orchestrator failed to route the call');
  }

  // ---- forwarding ----------------------------------------------------------------------------------------

  /**
   * Sends a client request to an upstream and returns the upstream's answer under the client's id. Transport
   * failures are retried with backoff only when safe: the request never left, or the tool is read-only or
   * idempotent. Timeouts and client cancellation cancel the upstream request.
   */
  async #forward(
    upstream: Upstream,
    request: JsonRpcRequest,
    params: Record<string, unknown>,
    carrier: Carrier,
    options: ForwardOptions = {},
  ): Promise<JsonRpcResponse> {
    const token = new CancelToken();
    const inFlight = this.#federation.inFlight;
    this.#calls.set(request.id, token);
    const ticket = inFlight.enter(token);
    try {
      return await this.#attempts(upstream, request, params, carrier, options, token);
    } finally {
      inFlight.leave(ticket);
      this.#calls.delete(request.id);
    }
  }

  async #attempts(
    upstream: Upstream,
    request: JsonRpcRequest,
    params: Record<string, unknown>,
    carrier: Carrier,
    options: ForwardOptions,
    token: CancelToken,
  ): Promise<JsonRpcResponse> {
    const meta = (params._meta ?? {}) as Record<string, unknown>;
    const clientToken = meta.progressToken as RequestId | undefined;
    const correlationId = carrier.correlationId;
    const timeoutMs = options.timeoutMs ?? upstream.config.timeouts.callMs;
    const headers: Record<string, string> = {};
    writeCorrelationId(correlationId, { headers });
    for (let attempt = 0; ; attempt++) {
      let session: UpstreamSession;
      try {
        upstream.assertAvailable();
        session = upstream.openSessionFor(this) ?? (await upstream.sessionFor(this));
      } catch (error) {
        // Nothing was sent yet. A session that cannot open, or a retry that finds the upstream reconnecting after a
        // restart, waits and tries again while attempts remain; a first attempt to a down upstream fails at once.
        const wait =
          (error instanceof TransportError || (attempt > 0 && error instanceof UpstreamUnavailableError)) &&
          attempt < upstream.config.retry.attempts;
        if (!wait) throw error;
        await pause(backoffDelay(attempt, upstream.config.retry.baseDelayMs, 5000), token);
        if (token.aborted) throw new RequestAbortedError();
        continue;
      }
      const id = session.nextRequestId();
      const forwardedMeta: Record<string, unknown> = { ...meta };
      writeCorrelationId(correlationId, { meta: forwardedMeta });
      if (clientToken !== undefined) forwardedMeta.progressToken = id;
      else delete forwardedMeta.progressToken;
      const sent: Record<string, unknown> = { ...params, _meta: forwardedMeta };
      if (options.tool !== undefined) sent.name = options.tool;
      if (upstream.isShared) upstream.sharedInFlight.set(id, this);
      const started = performance.now();
      try {
        const response = await session.request(
          request.method,
          sent,
          {
            timeoutMs,
            cancel: token,
            headers,
            onRelated: (message) => this.#fromCall(upstream, session, message, request.id, clientToken),
          },
          id,
        );
        upstream.breaker.success();
        upstream.recordLatency(performance.now() - started);
        // A tool result goes back as the upstream wrote it (only the id rewritten); other answers may be rewritten
        // on their way (URIs, names), so they are rebuilt.
        if (options.tool !== undefined) return reidentified(response, request.id);
        return response.error
          ? errorMessage(request.id, response.error.code, response.error.message, response.error.data)
          : resultMessage(request.id, response.result ?? {});
      } catch (error) {
        if (error instanceof RequestAbortedError) throw error;
        upstream.breaker.failure();
        const retry =
          error instanceof TransportError &&
          (error.notSent || options.retryable === true) &&
          attempt < upstream.config.retry.attempts;
        if (!retry) throw error;
        this.log.warn(
          { err: error, attempt: attempt + 1, tool: options.tool, correlation_id: correlationId },
          'retrying after a transport failure',
        );
        await pause(backoffDelay(attempt, upstream.config.retry.baseDelayMs, 5000), token);
        if (token.aborted) throw new RequestAbortedError();
      } finally {
        upstream.sharedInFlight.delete(id);
      }
    }
  }

  /** A message the upstream sent in the course of one of our forwarded requests. */
  #fromCall(
    upstream: Upstream,
    session: UpstreamSession,
    message: JsonRpcRequest | JsonRpcNotification,
    related: RequestId,
    clientToken: RequestId | undefined,
  ): void {
    if (message.method === 'notifications/progress') {
      if (clientToken === undefined) return;
      this.#sink.send({ ...message, params: { ...message.params, progressToken: clientToken } }, related);
      return;
    }
    if (isRequest(message)) {
      void this.#relayRequest(upstream, session, message, related);
      return;
    }
    this.#fromUpstreamNotification(upstream, message, related);
  }

  /** ClientLink: a message from this client's own upstream session, not tied to a request. */
  fromUpstream(upstream: Upstream, session: UpstreamSession, message: JsonRpcRequest | JsonRpcNotification): void {
    if (isRequest(message)) void this.#relayRequest(upstream, session, message, undefined);
    else this.#fromUpstreamNotification(upstream, message, undefined);
  }

  /** A notification from a shared upstream session, for the sessions it concerns. */
  fromSharedUpstream(upstream: Upstream, message: JsonRpcNotification): void {
    this.#fromUpstreamNotification(upstream, message, undefined);
  }

  #fromUpstreamNotification(upstream: Upstream, message: JsonRpcNotification, related: RequestId | undefined): void {
    switch (message.method) {
      case 'notifications/message': {
        const level = (message.params as { level?: ClientLogLevel } | undefined)?.level ?? 'info';
        if (this.logLevel && LEVELS.indexOf(level) >= LEVELS.indexOf(this.logLevel)) this.#sink.send(message, related);
        return;
      }
      case 'notifications/resources/updated': {
        const uri = String((message.params as { uri?: string } | undefined)?.uri ?? '');
        const exposed = this.namespace ? uri : this.#federation.registry.exposeUri(upstream, uri);
        if (this.subscriptions.has(exposed))
          this.#sink.send({ ...message, params: { ...message.params, uri: exposed } }, related);
        return;
      }
      case 'notifications/cancelled': {
        const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        for (const [relayId, relay] of this.#relays) {
          if (relay.upstreamId === id) {
            this.#sink.send({ ...message, params: { ...message.params, requestId: relayId } }, related);
          }
        }
        return;
      }
      default:
        return;
    }
  }

  /**
   * Relays a server-to-client request (elicitation, sampling, roots) to this client under a new id, and the
   * client's answer back to the upstream under the upstream's id. A client without the capability is never asked.
   */
  async #relayRequest(
    upstream: Upstream,
    session: UpstreamSession,
    message: JsonRpcRequest,
    related: RequestId | undefined,
  ): Promise<void> {
    if (message.method === 'ping') {
      await session.respond(resultMessage(message.id, {})).catch(() => {});
      return;
    }
    const capability = CAPABILITY_OF[message.method];
    if (!capability || this.capabilities[capability] === undefined) {
      const reason = capability ? `the client does not support ${capability}` : `method ${message.method} is not relayed`;
      await session.respond(errorMessage(message.id, RPC.methodNotFound, reason)).catch(() => {});
      return;
    }
    const answer = await this.ask(message.method, message.params, related, message.id);
    await session
      .respond({ ...answer, id: message.id })
      .catch((error: Error) => this.log.warn({ err: error, upstream: upstream.name }, 'could not answer the upstream'));
  }

  /** Sends a request to the client and waits for its answer (or for the client to go away). */
  ask(
    method: string,
    params: Record<string, unknown> | undefined,
    related: RequestId | undefined,
    upstreamId?: RequestId,
  ): Promise<JsonRpcResponse> {
    const id = `sb-${this.#nextRelayId++}`;
    return new Promise<JsonRpcResponse>((resolve) => {
      const timer = setTimeout(
        () => finish(errorMessage(id, RPC.requestTimeout, `the client did not answer ${method}`)),
        RELAY_TIMEOUT_MS,
      );
      let done = false;
      const finish = (response: JsonRpcResponse) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#relays.delete(id);
        resolve(response);
      };
      if (related !== undefined)
        this.#calls.get(related)?.onAbort(() => finish(errorMessage(id, RPC.connectionClosed, 'the call was cancelled')));
      this.#relays.set(id, { finish, upstreamId });
      if (this.#closed) finish(errorMessage(id, RPC.connectionClosed, 'the client session closed'));
      else this.#sink.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }, related);
    });
  }

  // ---- local tools ---------------------------------------------------------------------------------------

  async #callLocal(request: JsonRpcRequest, tool: CompiledTool, carrier: Carrier): Promise<JsonRpcResponse> {
    const params = request.params as { arguments?: unknown; _meta?: Record<string, unknown>; task?: { ttl?: number } };
    const meta = params._meta ?? {};
    const controller = new AbortController();
    const ctx = this.#localContext(request, tool, carrier, meta, controller.signal);
    const tasks = this.#federation.tasks;
    const taskSupport = (tool.listing as { execution?: { taskSupport?: string } }).execution?.taskSupport;
    if (params.task && tasks && (taskSupport === 'optional' || taskSupport === 'required')) {
      return resultMessage(
        request.id,
        await tasks.createTask({ tool, arguments: params.arguments, task: params.task, meta, ctx }),
      );
    }
    const token = new CancelToken();
    token.onAbort(() => controller.abort(token.reason));
    this.#calls.set(request.id, token);
    try {
      const { result, outcome } = await this.#federation.inFlight.run(controller, () =>
        runToolCall(tool, params.arguments, ctx, {
          outputCapBytes: this.#federation.config.outputCapBytes,
          readOnly: false,
          serviceName: 'orchestrator',
        }),
      );
      this.#federation.kitMetrics.toolCalls.inc({ service: 'orchestrator', tool: tool.definition.name, outcome });
      return resultMessage(request.id, result as Record<string, unknown>);
    } finally {
      this.#calls.delete(request.id);
    }
  }

  /** The context of a local tool call: progress and logs on the request's stream, elicitation to this client. */
  #localContext(
    request: JsonRpcRequest,
    tool: CompiledTool,
    carrier: Carrier,
    meta: Record<string, unknown>,
    signal: AbortSignal,
  ): ToolContext {
    const correlationId = carrier.correlationId;
    const progressToken = meta.progressToken as RequestId | undefined;
    const log = this.log.child({ tool: tool.definition.name, correlation_id: correlationId });
    return {
      config: this.#federation.config,
      clients: this.#federation.localClients,
      log,
      caller: this.caller,
      correlationId,
      signal,
      redactor: this.#federation.redactor,
      meta,
      progress: async (progress, total, message) => {
        if (progressToken === undefined) return;
        this.#sink.send(
          {
            jsonrpc: '2.0',
            method: 'notifications/progress',
            params: {
              progressToken,
              progress,
              ...(total !== undefined ? { total } : {}),
              ...(message !== undefined ? { message: this.#federation.redactor.redactString(message) } : {}),
            },
          },
          request.id,
        );
      },
      clientLog: async (level, data) => {
        if (this.logLevel && LEVELS.indexOf(level) >= LEVELS.indexOf(this.logLevel)) {
          this.#sink.send(
            { jsonrpc: '2.0', method: 'notifications/message', params: { level, logger: 'orchestrator', data } },
            request.id,
          );
        }
      },
      canElicit: this.capabilities.elicitation !== undefined,
      elicit: async (form: ElicitationForm): Promise<ElicitationAnswer> => {
        if (this.capabilities.elicitation === undefined) {
          throw new ToolError('APPROVAL_REQUIRED', 'the client cannot show an approval prompt (no elicitation capability)');
        }
        // A task's elicitation carries `_meta` (io.modelcontextprotocol/related-task), passed through as is.
        const meta = (form as { _meta?: Record<string, unknown> })._meta;
        const answer = await this.ask(
          'elicitation/create',
          { message: form.message, requestedSchema: form.requestedSchema, ...(meta ? { _meta: meta } : {}) },
          request.id,
        );
        if (answer.error) throw new ToolError('APPROVAL_REQUIRED', `the client could not answer: ${answer.error.message}`);
        const result = answer.result as { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> };
        return result.action === 'accept' ? { action: 'accept', content: result.content ?? {} } : { action: result.action };
      },
      idempotent: createIdempotent({
        store: this.#federation.idempotency,
        service: 'orchestrator',
        tool: tool.definition.name,
        caller: this.caller.id,
        meta,
        args: (request.params as { arguments?: unknown } | undefined)?.arguments,
        signal,
        log,
        redactor: this.#federation.redactor,
      }),
    };
  }

  // ---- prompts, resources, completions, logging ----------------------------------------------------------

  async #routePrompt(request: JsonRpcRequest, carrier: Carrier): Promise<JsonRpcResponse> {
    const name = String((request.params as { name?: unknown } | undefined)?.name ?? '');
    if (this.namespace) return this.#forward(this.#pinned(), request, request.params ?? {}, carrier);
    const route = this.#federation.registry.prompts.get(name);
    if (!route) return errorMessage(request.id, RPC.invalidParams, `Unknown prompt: ${name}`);
    return this.#forward(route.upstream, request, { ...request.params, name: route.name }, carrier);
  }

  #resolveUri(uri: string): { upstream: Upstream; uri: string } | undefined {
    if (this.namespace) return { upstream: this.#pinned(), uri };
    return this.#federation.registry.resolveUri(uri);
  }

  async #routeResource(request: JsonRpcRequest, carrier: Carrier): Promise<JsonRpcResponse> {
    const uri = String((request.params as { uri?: unknown } | undefined)?.uri ?? '');
    const route = this.#resolveUri(uri);
    if (!route) return errorMessage(request.id, RPC.resourceNotFound, `Resource not found: ${uri}`, { uri });
    const response = await this.#forward(route.upstream, request, { ...request.params, uri: route.uri }, carrier);
    if (this.namespace || !response.result) return response;
    const contents = (response.result.contents as { uri?: string }[] | undefined)?.map((c) =>
      c.uri ? { ...c, uri: this.#federation.registry.exposeUri(route.upstream, c.uri) } : c,
    );
    return contents ? resultMessage(request.id, { ...response.result, contents }) : response;
  }

  async #subscribe(request: JsonRpcRequest, carrier: Carrier): Promise<JsonRpcResponse> {
    const uri = String((request.params as { uri?: unknown } | undefined)?.uri ?? '');
    const route = this.#resolveUri(uri);
    if (!route) return errorMessage(request.id, RPC.resourceNotFound, `Resource not found: ${uri}`, { uri });
    const subscribe = request.method === 'resources/subscribe';
    if (subscribe) this.subscriptions.add(uri);
    else this.subscriptions.delete(uri);
    if (route.upstream.isShared) {
      await this.#federation.sharedSubscription(route.upstream, route.uri, subscribe);
      return resultMessage(request.id, {});
    }
    return this.#forward(route.upstream, request, { ...request.params, uri: route.uri }, carrier);
  }

  async #complete(request: JsonRpcRequest, carrier: Carrier): Promise<JsonRpcResponse> {
    const params = (request.params ?? {}) as { ref?: { type?: string; name?: string; uri?: string } };
    const ref = params.ref ?? {};
    if (this.namespace) return this.#forward(this.#pinned(), request, params, carrier);
    if (ref.type === 'ref/prompt') {
      const route = this.#federation.registry.prompts.get(String(ref.name));
      if (!route) return errorMessage(request.id, RPC.invalidParams, `Unknown prompt: ${ref.name}`);
      return this.#forward(route.upstream, request, { ...params, ref: { ...ref, name: route.name } }, carrier);
    }
    const template = this.#federation.registry.templates.get(String(ref.uri));
    const route = template ? { upstream: template.upstream, uri: template.uriTemplate } : this.#resolveUri(String(ref.uri));
    if (!route) return errorMessage(request.id, RPC.invalidParams, `Unknown resource reference: ${ref.uri}`);
    return this.#forward(route.upstream, request, { ...params, ref: { ...ref, uri: route.uri } }, carrier);
  }

  async #setLevel(request: JsonRpcRequest): Promise<JsonRpcResponse> {
    const level = (request.params as { level?: ClientLogLevel } | undefined)?.level;
    if (!level || !LEVELS.includes(level)) return errorMessage(request.id, RPC.invalidParams, `invalid level ${String(level)}`);
    this.logLevel = level;
    await this.#toMySessions((session) => session.request('logging/setLevel', { level }, { timeoutMs: 5000 }).then(() => {}));
    this.#federation.onLogLevel();
    return resultMessage(request.id, {});
  }

  async #toMySessions(action: (session: UpstreamSession) => Promise<void>): Promise<void> {
    const upstreams = this.namespace ? [this.#pinned()] : this.#federation.upstreams();
    const sessions = (await Promise.all(upstreams.filter((u) => !u.isShared).map((u) => u.openSessionsOf(this)))).flat();
    await Promise.all(sessions.map((session) => action(session).catch(() => {})));
  }

  /** Sends a notification to the client (list_changed and the like). */
  notify(method: string, params?: Record<string, unknown>): void {
    if (!this.initialized || this.#closed) return;
    this.#sink.send({ jsonrpc: '2.0', method, ...(params ? { params } : {}) });
  }

  /** Ends the session: in-flight calls are cancelled, pending relays answered, upstream sessions closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const token of this.#calls.values()) token.abort(SESSION_CLOSED);
    for (const [id, relay] of [...this.#relays])
      relay.finish(errorMessage(id, RPC.connectionClosed, 'the client session closed'));
    await this.#federation.dropSession(this);
  }
}
