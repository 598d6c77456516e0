import { ToolError } from '@switchboard/shared';

/** The longest path accepted, and the most segments: deep enough for any layout, small enough to show. */
export const MAX_PATH_LENGTH = 256;
export const MAX_SEGMENTS = 12;

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/**
 * Checks a secret path such as `db/orders/password` and returns it unchanged. It fails closed: only segments of
 * letters, digits, `.`, `_` and `-` joined by single `/` are accepted, so `..`, `.`, NUL and other control
 * characters, backslashes, absolute paths, `//` and trailing slashes are all refused before a backend sees them.
 */
export function checkPath(path: string, what = 'path'): string {
  if (typeof path !== 'string' || path.length === 0) throw invalid(what, 'is empty');
  if (path.length > MAX_PATH_LENGTH) throw invalid(what, `is longer than ${MAX_PATH_LENGTH} characters`);
  if (path.includes('\0')) throw invalid(what, 'contains a NUL byte');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(path)) throw invalid(what, 'contains a control character');
  if (path.includes('\\')) throw invalid(what, 'contains a backslash');
  if (path.startsWith('/'))
    throw invalid(what, 'is absolute (starts with /); give it relative to the backend, e.g. db/orders/password');
  const segments = path.split('/');
  if (segments.length > MAX_SEGMENTS) throw invalid(what, `has more than ${MAX_SEGMENTS} segments`);
  for (const segment of segments) {
    if (segment === '') throw invalid(what, 'has an empty segment (// or a trailing /)');
    if (segment === '.' || segment === '..') throw invalid(what, `has a "${segment}" segment (path traversal is refused)`);
    if (!SEGMENT.test(segment)) {
      throw invalid(
        what,
        `segment "${segment.slice(0, 40)}" may hold only letters, digits, ".", "_" and "-" (starting with a letter, digit or "_")`,
      );
    }
  }
  return path;
}

/** A path prefix for listing: empty, or a path optionally ending in `/`. */
export function checkPrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  const bare = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  checkPath(bare, 'prefix');
  return prefix;
}

function invalid(what: string, problem: string): ToolError {
  return new ToolError('INVALID_ARGUMENT', `the secret ${what} ${problem}`, { details: { reason: 'bad_path' } });
}
