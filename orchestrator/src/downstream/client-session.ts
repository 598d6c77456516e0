import { randomUUID } from 'node:crypto';
import {
  type Caller,
  type ClientLogLevel,
  type CompiledTool,
  findCorrelationId,
  type Logger,
  ReleasingMap,
  ToolError,
} from '@switchboard/shared';
import { callerOf, type Identity } from '../identity/identity.ts';
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
  resultMessage,
} from '../json-rpc.ts';
import { toToolError } from '../pipeline/errors.ts';
import { forward } from '../pipeline/forward.ts';
import { callTool } from '../pipeline/pipeline.ts';
import type { Carrier, PipelineSession, ToolCall } from '../pipeline/tool-call.ts';
import type { SessionHandle } from '../session-handle.ts';
import { type CancelToken, SESSION_CLOSED } from '../upstream/cancel-token.ts';
import type { Upstream } from '../upstream/upstream.ts';
import { RequestAbortedError, type UpstreamSession } from '../upstream/upstream-session.ts';
import {
  type CatalogSession,
  checkUse,
  complete,
  routePrompt,
  routeResource,
  setLevel,
  subscribe,
  toMySessions,
} from './catalog-requests.ts';
import type { FederationView } from './federation-view.ts';
import { runLocalTool } from './local-call.ts';
import { type ListKind, listPage } from './session-lists.ts';
import { type MessageSink, SessionRelay } from './session-relay.ts';

export type { Carrier } from '../pipeline/tool-call.ts';
export type { MessageSink } from './session-relay.ts';

export interface ClientSessionOptions {
  federation: FederationView;
  /** Set for `/mcp/<namespace>`: the session sees that one upstream, un-prefixed. */
  namespace?: string | undefined;
  /** Who opened the session (HTTP requests prove theirs each time; stdio has only this one). */
  identity: Identity;
  sink: MessageSink;
  log: Logger;
}

const LISTS: Record<string, ListKind> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
};

/**
 * One downstream MCP session. It answers initialize, lists what the caller's roles allow from the registry, and
 * hands every tools/call to the call pipeline (identify → authorize → approve → pin check → audit → route →
 * forward), which forwards it as raw JSON-RPC to the upstream session serving this client. What the upstream sends
 * in the course of a call comes back through the session's relay, on the stream of the request it belongs to.
 */
export class ClientSession implements PipelineSession, CatalogSession, SessionHandle {
  readonly id = randomUUID();
  readonly namespace: string | undefined;
  readonly identity: Identity;
  readonly log: Logger;
  capabilities: Record<string, unknown> = {};
  clientInfo = { name: 'unknown', version: '0' };
  protocolVersion = PROTOCOL_VERSIONS[0] as string;
  logLevel: ClientLogLevel | undefined;
  initialized = false;
  readonly subscriptions = new Set<string>();
  readonly calls = new ReleasingMap<RequestId, CancelToken>();
  readonly #federation: FederationView;
  readonly #sink: MessageSink;
  readonly #relay: SessionRelay;
  #closed = false;

  constructor(options: ClientSessionOptions) {
    this.#federation = options.federation;
    this.namespace = options.namespace;
    this.identity = options.identity;
    this.#sink = options.sink;
    this.log = options.log;
    this.#relay = new SessionRelay(this, options.sink, () => options.federation.registry);
    options.federation.addSession(this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The kit's caller of the session's own identity (the orchestrator's tools see the request's, see local-call.ts). */
  get caller(): Caller {
    return callerOf(this.identity);
  }

  pinned(): Upstream {
    const upstream = this.namespace ? this.#federation.upstreamByNamespace(this.namespace) : undefined;
    if (!upstream) throw new ToolError('NOT_FOUND', `namespace ${this.namespace} is not configured`);
    return upstream;
  }

  // ---- from the client -----------------------------------------------------------------------------------

  /** Handles one client message; a request resolves to its response, anything else to undefined. */
  async handle(message: JsonRpcMessage, carrier: Carrier): Promise<JsonRpcResponse | undefined> {
    if (isResponse(message)) {
      this.#relay.answer(message);
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
      return await this.#request(
        message,
        own === undefined || own === carrier.correlationId ? carrier : { ...carrier, correlationId: own },
      );
    } catch (error) {
      // A cancelled request gets no response (MCP cancellation).
      if (error instanceof RequestAbortedError) return undefined;
      return this.#errorResponse(message.id, error);
    }
  }

  #errorResponse(id: RequestId, error: unknown): JsonRpcResponse {
    const toolError = error instanceof ToolError ? error : toToolError(error, this.log);
    const code =
      toolError.code === 'NOT_FOUND'
        ? RPC.resourceNotFound
        : toolError.code === 'INVALID_ARGUMENT'
          ? RPC.invalidParams
          : RPC.internalError;
    return errorMessage(id, code, toolError.message, {
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
        if (id !== undefined) this.calls.get(id)?.abort();
        return;
      }
      case 'notifications/roots/list_changed':
        void toMySessions(this, this.#federation, (session) => session.notify(message.method, message.params));
        return;
      default:
        return;
    }
  }

  /** A request's response, or the promise of it (not an async function: a returned promise would cost extra turns). */
  #request(request: JsonRpcRequest, carrier: Carrier): Promise<JsonRpcResponse> | JsonRpcResponse {
    const federation = this.#federation;
    if (request.method === 'tools/call') return callTool(this, federation, request, carrier);
    const params = request.params ?? {};
    const list = LISTS[request.method];
    if (list) {
      const access = federation.gateway.policy.accessOf(carrier.identity ?? this.identity);
      const view = this.namespace ? federation.registry.views.get(this.pinned().namespace) : undefined;
      return listPage(federation.registry, view, access, request.id, list, params.cursor, federation.pageSize);
    }
    switch (request.method) {
      case 'initialize':
        return this.#initialize(request);
      case 'ping':
        return resultMessage(request.id, {});
      case 'prompts/get':
        return routePrompt(this, federation, request, carrier);
      case 'resources/read':
        return routeResource(this, federation, request, carrier);
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return subscribe(this, federation, request, carrier);
      case 'completion/complete':
        return complete(this, federation, request, carrier);
      case 'logging/setLevel':
        return setLevel(this, federation, request);
      case 'tasks/get':
      case 'tasks/result':
      case 'tasks/list':
      case 'tasks/cancel':
        if (!this.namespace && federation.tasks) {
          const caller = callerOf(carrier.identity ?? this.identity);
          return federation.tasks.handle(request.method, params, caller).then((result) => resultMessage(request.id, result));
        }
        return this.#passThrough(request, params, carrier, 'resources');
      default:
        return this.#passThrough(request, params, carrier, 'methods');
    }
  }

  /** `/mcp/<namespace>` passes other methods to its upstream (within the policy); `/mcp` knows none. */
  #passThrough(request: JsonRpcRequest, params: Record<string, unknown>, carrier: Carrier, use: 'resources' | 'methods') {
    if (!this.namespace) return errorMessage(request.id, RPC.methodNotFound, `Method not found: ${request.method}`);
    checkUse(this, this.#federation, carrier, this.namespace, use, request.method);
    return forward(this, this.#federation, this.pinned(), request, params, carrier);
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
    const upstream = this.pinned();
    upstream.assertAvailable();
    const session = await upstream.sessionFor(this);
    const init = session.initializeResult;
    if (!init) throw new ToolError('UPSTREAM_UNAVAILABLE', `${upstream.name} did not complete initialize`);
    return resultMessage(request.id, { ...init });
  }

  // ---- the pipeline's and the upstreams' side ------------------------------------------------------------

  callLocal(request: JsonRpcRequest, tool: CompiledTool, call: ToolCall): Promise<JsonRpcResponse> {
    return runLocalTool(this, this.#federation, request, tool, call);
  }

  send(message: JsonRpcMessage, related?: RequestId): void {
    this.#sink.send(message, related);
  }

  ask(method: string, params: Record<string, unknown> | undefined, related: RequestId | undefined): Promise<JsonRpcResponse> {
    return this.#relay.ask(method, params, related);
  }

  fromCall(
    upstream: Upstream,
    session: UpstreamSession,
    message: JsonRpcRequest | JsonRpcNotification,
    related: RequestId,
    clientToken: RequestId | undefined,
  ): void {
    this.#relay.fromCall(upstream, session, message, related, clientToken);
  }

  /** ClientLink: a message from this client's own upstream session, not tied to a request. */
  fromUpstream(upstream: Upstream, session: UpstreamSession, message: JsonRpcRequest | JsonRpcNotification): void {
    this.#relay.fromUpstream(upstream, session, message);
  }

  fromSharedUpstream(upstream: Upstream, message: JsonRpcNotification): void {
    this.#relay.fromUpstreamNotification(upstream, message, undefined);
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
    for (const token of this.calls.values()) token.abort(SESSION_CLOSED);
    this.#relay.close();
    await this.#federation.dropSession(this);
  }
}
