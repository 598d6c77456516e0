import { trimmed } from '@switchboard/shared';

/** Reading an HTTP/1.x response head for H1Client: strict, failing closed on anything malformed. */

export type Headers = Record<string, string | string[]>;

/** A failure with a code, as the transport maps it (connect failures say the request was never sent). */
export class H1Error extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'H1Error';
    this.code = code;
  }
}

/**
 * Where `delimiter` starts in `bytes`, or -1 while it has not arrived; past `limit` bytes without it, the response is
 * refused (`code`, `message`).
 */
export function find(bytes: Buffer, delimiter: Buffer, limit: number, code: string, message: string): number {
  const at = bytes.indexOf(delimiter);
  if (at < 0 && bytes.length > limit) throw new H1Error(code, message);
  return at;
}

/**
 * The status line and headers of a head (`text` without its final blank line); undefined for an interim (1xx)
 * response, which the reader skips. Repeated headers are kept as arrays, names lower-cased, values trimmed.
 */
export function parseResponseHead(text: string): { statusCode: number; minor: number; headers: Headers } | undefined {
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = text.length;
  const minor = text.charCodeAt(7);
  if (
    !text.startsWith('HTTP/1.') ||
    (minor !== 48 && minor !== 49) ||
    text.charCodeAt(8) !== 32 ||
    !/^\d{3}$/.test(text.slice(9, 12)) ||
    (lineEnd > 12 && text.charCodeAt(12) !== 32)
  ) {
    throw new H1Error('UND_ERR_INVALID_RESPONSE', 'malformed status line');
  }
  const statusCode = Number(text.slice(9, 12));
  if (statusCode >= 100 && statusCode < 200) {
    if (statusCode === 101) throw new H1Error('UND_ERR_INVALID_RESPONSE', 'unexpected protocol upgrade');
    return undefined;
  }
  const headers: Headers = {};
  let start = lineEnd + 2;
  while (start < text.length) {
    let end = text.indexOf('\r\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon > end) throw new H1Error('UND_ERR_INVALID_RESPONSE', 'malformed header line');
    const name = trimmed(text, start, colon).toLowerCase();
    const value = trimmed(text, colon + 1, end);
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else headers[name] = [previous, value];
    start = end + 2;
  }
  return { statusCode, minor, headers };
}
