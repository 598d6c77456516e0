import type { McpResponse } from './mcp-request.ts';

/** Sends an HTTP error whose body is a JSON-RPC error, as MCP clients expect from the transport. */
export function sendJsonRpcError(
  res: McpResponse,
  status: number,
  code: number,
  message: string,
  data?: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.writableEnded) return;
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message, ...(data ? { data } : {}) }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }).end(body);
}
