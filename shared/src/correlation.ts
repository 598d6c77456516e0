import { randomUUID } from 'node:crypto';

/**
 * The correlation id: one id per call, on every log line of every process the call passes through.
 *
 * It travels in two carriers, written together by `writeCorrelationId` (the one writer): the message's
 * `_meta["io.switchboard/correlation-id"]` and the HTTP request's `x-correlation-id` header. `readCorrelationId` (the
 * one reader) picks it with one precedence, the same in every process and on every hop:
 *
 *   1. `_meta["io.switchboard/correlation-id"]` of the JSON-RPC message (per message: it survives stdio, batches and
 *      every proxy hop);
 *   2. the `x-correlation-id` header of the HTTP request that carried the message;
 *   3. the trace id of its W3C `traceparent` header;
 *   4. a new UUID.
 *
 * A value that is not 1-128 characters of `A-Za-z0-9._:-` is ignored (the next source is used), so a log line or a
 * header can never be forged through it. The HTTP layer reads once per request (2-4) and stores the result on the
 * request's `x-correlation-id` header and the response's; the MCP layer then reads per message (1, else that).
 */
export const CORRELATION_META_KEY = 'io.switchboard/correlation-id';
export const CORRELATION_HEADER = 'x-correlation-id';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export interface CorrelationSources {
  /** The message's `_meta`. */
  meta?: Readonly<Record<string, unknown>> | undefined;
  /** The carrying HTTP request's headers (lower-case names, as Node gives them). */
  headers?: HeaderBag | undefined;
}

function valid(value: unknown): string | undefined {
  return typeof value === 'string' && VALID_ID.test(value) ? value : undefined;
}

function traceId(headers: HeaderBag | undefined): string | undefined {
  const traceparent = headers?.traceparent;
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  return match?.[1] && !/^0+$/.test(match[1]) ? match[1] : undefined;
}

/** The correlation id the sources carry, by the precedence above; undefined when none carries one. */
export function findCorrelationId(sources: CorrelationSources): string | undefined {
  return valid(sources.meta?.[CORRELATION_META_KEY]) ?? valid(sources.headers?.[CORRELATION_HEADER]) ?? traceId(sources.headers);
}

/** The one reader: the correlation id by the precedence above, a new UUID when no source carries one. */
export function readCorrelationId(sources: CorrelationSources): string {
  return findCorrelationId(sources) ?? randomUUID();
}

/**
 * The one writer: puts the id into the carriers of an outgoing request (the message's `_meta`, the HTTP headers),
 * whichever are given. Both get the same id, so the next hop reads the same one whatever it looks at first.
 */
export function writeCorrelationId(
  id: string,
  carriers: { meta?: Record<string, unknown> | undefined; headers?: Record<string, string> | undefined },
): void {
  if (carriers.meta) carriers.meta[CORRELATION_META_KEY] = id;
  if (carriers.headers) carriers.headers[CORRELATION_HEADER] = id;
}
