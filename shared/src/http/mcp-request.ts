import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * An MCP HTTP request as the kit's guards and lean endpoints read it: Node's IncomingMessage, or the request the
 * POST fast path parsed itself. `auth` is set by the authenticator; `body` (POST) is the parsed JSON.
 */
export interface McpRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly socket: { readonly remoteAddress?: string | undefined };
  body?: unknown;
  auth?: { token: string; clientId: string; scopes: string[] };
}

/** Node's request after the guards, for endpoints that hand it on to the SDK's transports. */
export type NodeMcpRequest = IncomingMessage & McpRequest;

/**
 * The parts of an HTTP response the kit's MCP paths use: Node's ServerResponse has them, and so does the fast
 * path's lean response. `close` fires once the response finished or its connection closed.
 */
export interface McpResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  setHeader(name: string, value: string | number): unknown;
  writeHead(status: number, headers?: Record<string, string | number>): this;
  /** Sends the head now (a stream's events follow later). */
  flushHeaders(): void;
  write(chunk: string): boolean;
  end(chunk?: string): this;
  on(event: 'close', listener: () => void): this;
}

/** A check on an MCP request: true lets it through; false means it has already been answered. */
export type RequestGuard = (req: McpRequest, res: McpResponse) => boolean;
