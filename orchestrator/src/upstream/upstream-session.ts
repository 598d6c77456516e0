import { ReleasingMap } from '@switchboard/shared';
import {
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../json-rpc.ts';
import type { CancelToken } from './cancel-token.ts';
import { TransportError, type UpstreamTransport } from './transport.ts';

/** The upstream did not answer in time; the request was cancelled upstream. */
export class UpstreamTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(method: string, timeoutMs: number) {
    super(`${method} got no answer within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The caller gave up (client cancellation); the request was cancelled upstream. */
export class RequestAbortedError extends Error {
  constructor() {
    super('the request was cancelled');
    this.name = 'RequestAbortedError';
  }
}

export interface InitializeResult {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: { name: string; version: string; [key: string]: unknown };
  instructions?: string;
  [key: string]: unknown;
}

export interface RequestOptions {
  timeoutMs: number;
  /** Cancels the request (the client cancelled): it is rejected and cancelled upstream. */
  cancel?: CancelToken | undefined;
  headers?: Record<string, string>;
  /** Requests and notifications the upstream sends in the course of this request (progress, elicitation, ...). */
  onRelated?: (message: JsonRpcRequest | JsonRpcNotification) => void;
}

export interface UpstreamSessionOptions {
  transport: UpstreamTransport;
  clientInfo: { name: string; version: string };
  capabilities: Record<string, unknown>;
  protocolVersion: string;
  /** Server-to-client requests and notifications not tied to one of our requests. */
  onUnrelated?: (message: JsonRpcRequest | JsonRpcNotification) => void;
  onClose?: (error: Error) => void;
}

/** One request waiting for its answer: settles once, by answer, failure, timeout or cancellation. */
class Pending {
  readonly method: string;
  readonly onRelated: RequestOptions['onRelated'];
  #session: UpstreamSession;
  #id: RequestId;
  #resolve: (response: JsonRpcResponse) => void;
  #reject: (error: Error) => void;
  #timer: NodeJS.Timeout | undefined;
  #settled = false;

  constructor(
    session: UpstreamSession,
    id: RequestId,
    method: string,
    options: RequestOptions,
    resolve: (response: JsonRpcResponse) => void,
    reject: (error: Error) => void,
  ) {
    this.#session = session;
    this.#id = id;
    this.method = method;
    this.onRelated = options.onRelated;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#timer = setTimeout(() => this.#expire(options.timeoutMs), options.timeoutMs);
    options.cancel?.onAbort(() => this.#abandon('cancelled by the client', new RequestAbortedError()));
  }

  get settled(): boolean {
    return this.#settled;
  }

  resolve(response: JsonRpcResponse): void {
    if (this.#settle()) this.#resolve(response);
  }

  reject(error: Error): void {
    if (this.#settle()) this.#reject(error);
  }

  #expire(timeoutMs: number): void {
    this.#abandon(`timeout after ${timeoutMs} ms`, new UpstreamTimeoutError(this.method, timeoutMs));
  }

  /** Gives up on the request and cancels it upstream. */
  #abandon(reason: string, error: Error): void {
    if (!this.#settle()) return;
    void this.#session.notify('notifications/cancelled', { requestId: this.#id, reason }).catch(() => {});
    this.#reject(error);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#session.forget(this.#id, this);
    return true;
  }
}

/**
 * An MCP client session to one upstream, speaking raw JSON-RPC: our request ids are numbers unique in the
 * session, and a progress token we send is the id of its request, so progress always finds its call.
 */
export class UpstreamSession {
  readonly transport: UpstreamTransport;
  initializeResult: InitializeResult | undefined;
  #options: UpstreamSessionOptions;
  #nextId = 1;
  #pending = new ReleasingMap<RequestId, Pending>();
  #closed: Error | undefined;

  constructor(options: UpstreamSessionOptions) {
    this.#options = options;
    this.transport = options.transport;
    this.transport.onmessage = (message, relatedTo) => this.#receive(message, relatedTo);
    this.transport.onclose = (error) => this.#fail(error);
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Ids of requests still waiting for an answer. */
  pendingIds(): RequestId[] {
    return [...this.#pending.keys()];
  }

  nextRequestId(): number {
    return this.#nextId++;
  }

  async initialize(timeoutMs: number): Promise<InitializeResult> {
    await this.transport.start();
    const response = await this.request(
      'initialize',
      {
        protocolVersion: this.#options.protocolVersion,
        capabilities: this.#options.capabilities,
        clientInfo: this.#options.clientInfo,
      },
      { timeoutMs },
    );
    if (response.error) throw new TransportError(`initialize was refused: ${response.error.message}`);
    const result = response.result as unknown as InitializeResult;
    this.initializeResult = result;
    this.transport.setProtocolVersion?.(result.protocolVersion);
    await this.notify('notifications/initialized');
    await this.transport.openEventStream?.();
    return result;
  }

  /**
   * Sends a request and resolves with the upstream's response message (a result or a JSON-RPC error). Rejects
   * with TransportError, UpstreamTimeoutError or RequestAbortedError; the last two cancel the request upstream.
   */
  request(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
    id = this.nextRequestId(),
  ): Promise<JsonRpcResponse> {
    if (this.#closed) return Promise.reject(new TransportError(`session closed: ${this.#closed.message}`, { notSent: true }));
    if (options.cancel?.aborted) return Promise.reject(new RequestAbortedError());
    const message: JsonRpcRequest =
      params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
    return new Promise<JsonRpcResponse>((resolve, reject) => {
      const pending = new Pending(this, id, method, options, resolve, reject);
      this.#pending.set(id, pending);
      this.transport.send(message, options.headers ? { headers: options.headers } : undefined).then(
        () => {
          // Over HTTP the response stream has ended; a request still pending now will never be answered on it.
          if (this.transport.kind === 'streamable-http' && !pending.settled) {
            pending.reject(new TransportError(`the upstream ended the response to ${method} without an answer`));
          }
        },
        (error: Error) =>
          pending.reject(error instanceof TransportError ? error : new TransportError(error.message, { cause: error })),
      );
    });
  }

  /** Drops a settled request from the pending ones. */
  forget(id: RequestId, pending: Pending): void {
    if (this.#pending.get(id) === pending) this.#pending.delete(id);
  }

  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const message: JsonRpcNotification = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    return this.transport.send(message);
  }

  /** Answers a request the upstream sent us. */
  respond(response: JsonRpcResponse): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.transport.send(response);
  }

  #receive(message: JsonRpcMessage, relatedTo: RequestId | undefined): void {
    if (isResponse(message)) {
      this.#pending.get(message.id)?.resolve(message);
      return;
    }
    if (!isRequest(message) && !isNotification(message)) return;
    let owner = relatedTo === undefined ? undefined : this.#pending.get(relatedTo);
    if (!owner && message.method === 'notifications/progress') {
      const token = (message.params as { progressToken?: RequestId } | undefined)?.progressToken;
      if (token !== undefined) owner = this.#pending.get(token);
    }
    if (!owner && message.method === 'notifications/cancelled') return;
    if (owner?.onRelated) owner.onRelated(message);
    else this.#options.onUnrelated?.(message);
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    // Requests still pending were sent: they may have run upstream, so their failure never says "not sent". The
    // one request whose own answer revealed the failure (a 404 for an expired session) is rejected by its send
    // first, with the error as is; hence the others are rejected a turn later.
    const pending = [...this.#pending.values()];
    if (pending.length > 0) {
      const failure =
        error instanceof TransportError && !error.notSent ? error : new TransportError(error.message, { cause: error });
      setImmediate(() => {
        for (const entry of pending) entry.reject(failure);
      });
    }
    this.#options.onClose?.(error);
  }

  /** Closes the session; `reason` is what `onClose` hears (a plain close by default). */
  async close(reason?: Error): Promise<void> {
    if (this.#closed) return;
    const error = reason ?? new TransportError('session closed', { notSent: true });
    this.#fail(error);
    await this.transport.close();
  }
}
