import { SseParser, sleep } from '@switchboard/shared';
import type { Pool } from 'undici';
import { isRequest, type JsonRpcMessage, parseMessage, type RequestId } from '../json-rpc.ts';
import {
  type ExchangeDispatcher,
  type ExchangeError,
  type ExchangeRequest,
  type ExchangeResponse,
  exchange,
} from './http-exchange.ts';
import { type SendOptions, SessionExpiredError, TransportError, type UpstreamTransport } from './transport.ts';

export interface HttpTransportOptions {
  url: URL;
  /** GET streams and DELETE go through the pool. */
  pool: Pool;
  /** What carries POSTs: the lean HTTP/1.1 client for plain-HTTP upstreams; the pool by default. */
  dispatcher?: ExchangeDispatcher;
  token?: string | undefined;
  /** How long the GET stream waits before reconnecting after it drops. */
  reconnectMs?: number;
}

/** How long opening the GET stream may hold up a new session before it proceeds without it. */
const STREAM_OPEN_WAIT_MS = 5000;
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN']);

/**
 * MCP Streamable HTTP, client side, over an undici pool of keep-alive connections. Responses may be JSON or SSE;
 * SSE events are parsed as they arrive so progress and server requests reach the caller mid-call.
 */
export class HttpTransport implements UpstreamTransport {
  readonly kind = 'streamable-http' as const;
  onmessage?: (message: JsonRpcMessage, relatedTo: RequestId | undefined) => void;
  onclose?: (error: Error) => void;
  sessionId: string | undefined;
  #protocolVersion: string | undefined;
  #options: HttpTransportOptions;
  #closed = false;
  #stream: AbortController | undefined;

  readonly #path: string;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
    this.#path = options.url.pathname + options.url.search;
  }

  async start(): Promise<void> {}

  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
  }

  /** Headers every request carries; rebuilt only when the session id or protocol version changes. */
  #base: Record<string, string> | undefined;
  #baseFor = '';

  #headers(): Record<string, string> {
    const key = `${this.sessionId ?? ''}|${this.#protocolVersion ?? ''}`;
    if (!this.#base || key !== this.#baseFor) {
      const base: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      if (this.#options.token) base.authorization = `Bearer ${this.#options.token}`;
      if (this.sessionId) base['mcp-session-id'] = this.sessionId;
      if (this.#protocolVersion) base['mcp-protocol-version'] = this.#protocolVersion;
      this.#base = base;
      this.#baseFor = key;
    }
    return this.#base;
  }

  send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportError('the transport is closed', { notSent: true }));
    const related = isRequest(message) ? message.id : undefined;
    const request: ExchangeRequest = {
      path: this.#path,
      method: 'POST',
      headers: this.#headers(),
      extraHeaders: options.headers,
      body: JSON.stringify(message),
    };
    return exchange(this.#options.dispatcher ?? this.#options.pool, request, {
      onHeaders: this.#onHeaders,
      onEvent: (data) => this.#deliver(data, related),
    }).then(
      (response) => this.#answered(response, related),
      (error: ExchangeError) => {
        if (error.responded) {
          throw new TransportError(`the response stream from ${this.#options.url.origin} broke: ${error.message}`, {
            cause: error.cause,
          });
        }
        throw new TransportError(`cannot reach ${this.#options.url.origin}: ${error.message}`, {
          notSent: CONNECT_CODES.has(error.code ?? ''),
          cause: error.cause,
        });
      },
    );
  }

  /** What the response to a POST means, once it ended (an SSE body's messages were delivered as they came). */
  #answered(response: ExchangeResponse, related: RequestId | undefined): void {
    const { statusCode, text } = response;
    if (statusCode === 202) return;
    if (statusCode === 404 && this.sessionId) {
      const error = new SessionExpiredError();
      this.onclose?.(error);
      throw error;
    }
    const type = String(response.headers['content-type'] ?? '');
    if (statusCode >= 400) {
      // A JSON-RPC error body answers the request itself (e.g. 400 for an unsupported protocol version); refusals
      // of the connection itself (our credentials, the rate limit, overload) are transport failures, never sent on.
      const refused = statusCode === 401 || statusCode === 403 || statusCode === 429 || statusCode === 503;
      if (related !== undefined && !refused && type.includes('application/json')) {
        try {
          const parsed = JSON.parse(text) as JsonRpcMessage;
          if ('error' in parsed) {
            this.onmessage?.({ ...parsed, id: related } as JsonRpcMessage, related);
            return;
          }
        } catch {}
      }
      throw new HttpStatusError(statusCode, text.slice(0, 300));
    }
    if (type.includes('application/json') && text.trim() !== '') {
      const parsed = JSON.parse(text) as JsonRpcMessage | JsonRpcMessage[];
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) this.onmessage?.(item, related);
    }
  }

  /** Takes the session id from the first response that carries one (initialize's), before its body is read. */
  #onHeaders = (_status: number, headers: ExchangeResponse['headers']): void => {
    const sessionHeader = headers['mcp-session-id'];
    if (typeof sessionHeader === 'string' && !this.sessionId) this.sessionId = sessionHeader;
  };

  /** One SSE event's data: a JSON-RPC message (anything else is ignored). */
  #deliver(data: string, related: RequestId | undefined): void {
    try {
      this.onmessage?.(parseMessage(data), related);
    } catch {}
  }

  /** Reads the GET stream: messages on it belong to no request of ours. */
  async #readStream(body: NodeJS.ReadableStream & { setEncoding(e: string): void }): Promise<void> {
    const parser = new SseParser((event) => {
      if (event.data) this.#deliver(event.data, undefined);
    });
    body.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      body.on('data', (chunk: string) => parser.push(chunk));
      body.once('end', resolve);
      body.once('error', (error: Error) =>
        reject(
          new TransportError(`the response stream from ${this.#options.url.origin} broke: ${error.message}`, { cause: error }),
        ),
      );
    });
  }

  /**
   * Keeps a GET stream open for server-initiated messages; reconnects while the transport lives. Resolves once the
   * first attempt was answered (a server drops what it sends before the stream is there), or after a few seconds.
   */
  openEventStream(): Promise<void> {
    if (this.#stream || this.#closed) return Promise.resolve();
    const controller = new AbortController();
    this.#stream = controller;
    let answered: () => void = () => {};
    const opened = new Promise<void>((resolve) => {
      answered = resolve;
      setTimeout(resolve, STREAM_OPEN_WAIT_MS).unref();
    });
    const loop = async () => {
      while (!this.#closed && !controller.signal.aborted) {
        try {
          const response = await this.#options.pool.request({
            path: this.#path,
            method: 'GET',
            headers: { ...this.#headers(), accept: 'text/event-stream' },
            signal: controller.signal,
          });
          answered();
          if (response.statusCode === 405 || response.statusCode === 404) {
            await response.body.dump();
            if (response.statusCode === 404 && this.sessionId) this.onclose?.(new SessionExpiredError());
            return;
          }
          if (response.statusCode >= 400) {
            await response.body.dump();
          } else {
            await this.#readStream(response.body);
          }
        } catch {
          answered();
          if (controller.signal.aborted) return;
        }
        await sleep(this.#options.reconnectMs ?? 1000, controller.signal, { ref: false }).catch(() => {});
      }
    };
    void loop().finally(answered);
    return opened;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream?.abort();
    if (this.sessionId) {
      try {
        const response = await this.#options.pool.request({
          path: this.#path,
          method: 'DELETE',
          headers: this.#headers(),
          headersTimeout: 2000,
        });
        await response.body.dump();
      } catch {}
    }
  }
}

/** The upstream answered with an HTTP error that is not a JSON-RPC message. */
export class HttpStatusError extends TransportError {
  readonly status: number;
  constructor(status: number, body: string) {
    super(`HTTP ${status}${body ? `: ${body}` : ''}`, {
      notSent: status === 401 || status === 403 || status === 429 || status === 503,
    });
    this.name = 'HttpStatusError';
    this.status = status;
  }
}
