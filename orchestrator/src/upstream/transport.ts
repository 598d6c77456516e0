import type { JsonRpcMessage, RequestId } from '../json-rpc.ts';

/** Raised when the upstream cannot be reached or the connection broke before an answer: a transport failure. */
export class TransportError extends Error {
  /** True when the request certainly never reached the upstream (safe to retry any call). */
  readonly notSent: boolean;
  constructor(message: string, options: { notSent?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.notSent = options.notSent ?? false;
  }
}

/**
 * The upstream no longer knows our session (HTTP 404): initialize again. The server refused the message before
 * handling it, so the request that got the 404 was not executed and may be sent again on a new session.
 */
export class SessionExpiredError extends TransportError {
  constructor() {
    super('the upstream session expired', { notSent: true });
    this.name = 'SessionExpiredError';
  }
}

export interface SendOptions {
  headers?: Record<string, string>;
}

/**
 * A connection to one upstream MCP server, moving raw JSON-RPC. Over HTTP, messages that arrive on the response
 * stream of one of our requests are reported with that request's id (`relatedTo`).
 */
export interface UpstreamTransport {
  readonly kind: 'streamable-http' | 'sse' | 'stdio';
  onmessage?: (message: JsonRpcMessage, relatedTo: RequestId | undefined) => void;
  onclose?: (error: Error) => void;
  start(): Promise<void>;
  /** Sends one message; for an HTTP request it resolves once its response stream ended. */
  send(message: JsonRpcMessage, options?: SendOptions): Promise<void>;
  /** Called after initialize with the negotiated version (HTTP sends it as a header). */
  setProtocolVersion?(version: string): void;
  /**
   * Opens the server's own stream for messages not tied to a request (HTTP GET, where supported); resolves once
   * the server has answered it (or refused it), so nothing the server sends on it right after is lost.
   */
  openEventStream?(): Promise<void>;
  close(): Promise<void>;
}
