const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header names already checked (a process sees the same few on every request). */
const tokens = new Set<string>();

/** True when `name` is an HTTP token (RFC 9110), as a header name or a method must be. */
export function isToken(name: string): boolean {
  if (tokens.has(name)) return true;
  if (!TOKEN.test(name)) return false;
  if (tokens.size < 256) tokens.add(name);
  return true;
}

/** True when `name` may be a header's name and `value` cannot break the head (no CR, LF or NUL). */
export function isValidHeader(name: string, value: string | number): boolean {
  return isToken(name) && (typeof value !== 'string' || !/[\r\n\0]/.test(value));
}

/**
 * `name: value\r\n` for each header. A name that is not a token or a value that would break the head (CR, LF, NUL)
 * is refused with the error `invalid` makes for it.
 */
export function headerLines(headers: Record<string, string | number>, invalid: (name: string) => Error): string {
  let lines = '';
  for (const name in headers) {
    const value = headers[name] as string | number;
    if (!isValidHeader(name, value)) throw invalid(name);
    lines += `${name}: ${value}\r\n`;
  }
  return lines;
}

/** `text` from `from` to `to` without the optional whitespace around it (most values have none: no copy then). */
export function trimmed(text: string, from: number, to: number): string {
  while (from < to && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from++;
  while (to > from && (text.charCodeAt(to - 1) === 32 || text.charCodeAt(to - 1) === 9)) to--;
  return text.slice(from, to);
}
