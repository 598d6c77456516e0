import type { IncomingMessage, ServerResponse } from 'node:http';

/** An MCP HTTP request after the kit's guards: authenticated (`auth`) and, for POST, with its JSON `body`. */
export type McpRequest = IncomingMessage & {
  body?: unknown;
  auth?: { token: string; clientId: string; scopes: string[] };
};

/** A check on an MCP request: true lets it through; false means it has already been answered. */
export type RequestGuard = (req: McpRequest, res: ServerResponse) => boolean;
