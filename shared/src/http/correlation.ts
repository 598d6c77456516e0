import { CORRELATION_HEADER, correlationFromHeaders } from '../server/correlation.ts';
import type { McpRequest, McpResponse } from './mcp-request.ts';

/**
 * Gives a request its correlation id (from x-correlation-id or traceparent, else new), stores it on the request
 * headers so MCP handlers see it, and returns it in the response header.
 */
export function applyCorrelation(req: McpRequest, res: McpResponse): string {
  const id = correlationFromHeaders(req.headers);
  req.headers[CORRELATION_HEADER] = id;
  res.setHeader(CORRELATION_HEADER, id);
  return id;
}
