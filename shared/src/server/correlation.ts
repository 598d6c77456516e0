import { randomUUID } from 'node:crypto';

/** The `_meta` key that carries a correlation id across the proxy hop. */
export const CORRELATION_META_KEY = 'io.switchboard/correlation-id';
export const CORRELATION_HEADER = 'x-correlation-id';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Picks the correlation id from an explicit header, else a W3C traceparent's trace id, else a new one. */
export function correlationFromHeaders(headers: Record<string, string | string[] | undefined>): string {
  const explicit = headers[CORRELATION_HEADER];
  if (typeof explicit === 'string' && VALID_ID.test(explicit)) return explicit;
  const traceparent = headers.traceparent;
  if (typeof traceparent === 'string') {
    const match = TRACEPARENT.exec(traceparent.trim());
    if (match?.[1] && !/^0+$/.test(match[1])) return match[1];
  }
  return randomUUID();
}

export function correlationFromMeta(meta: Record<string, unknown> | undefined): string | undefined {
  const value = meta?.[CORRELATION_META_KEY];
  return typeof value === 'string' && VALID_ID.test(value) ? value : undefined;
}
