import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_HEADER, correlationFromHeaders } from '../server/correlation.ts';

/**
 * Gives a request its correlation id (from x-correlation-id or traceparent, else new), stores it on the request
 * headers so MCP handlers see it, and returns it in the response header.
 */
export function applyCorrelation(req: IncomingMessage, res: ServerResponse): string {
  const id = correlationFromHeaders(req.headers);
  req.headers[CORRELATION_HEADER] = id;
  res.setHeader(CORRELATION_HEADER, id);
  return id;
}
