import { CORRELATION_HEADER, readCorrelationId } from '../correlation.ts';
import type { McpRequest, McpResponse } from './mcp-request.ts';

/**
 * Gives an HTTP request its correlation id (readCorrelationId over its headers: x-correlation-id, else traceparent,
 * else new), stores it on the request headers so the MCP layer and every log line of the request see the same one,
 * and returns it in the response header.
 */
export function applyCorrelation(req: McpRequest, res: McpResponse): string {
  const id = readCorrelationId({ headers: req.headers });
  req.headers[CORRELATION_HEADER] = id;
  res.setHeader(CORRELATION_HEADER, id);
  return id;
}
