import { isSecretHandle } from '../secrets/handle.ts';
import { MAYBE_SHAPE, PREFIX_GROUPS, SECRET_KEY, SHAPES, SHORTEST_SHAPE } from './credential-shapes.ts';
import { ValueDigests } from './value-digests.ts';

/**
 * One redactor per process: it strips registered secret values and common credential shapes (credential-shapes.ts)
 * from any string or JSON value before it reaches a log line, a metric label or a tool result.
 */
export const REDACTED = '[REDACTED]';

/** Registered values shorter than this are matched as whole strings only (substring matching would mangle text). */
const MIN_SUBSTRING_LENGTH = 4;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const CACHE_MAX_LENGTH = 128;
const CACHE_ENTRIES = 2048;

export class Redactor {
  #values = new Set<string>();
  #valuePattern: RegExp | undefined;
  #shortestValue = Number.POSITIVE_INFINITY;
  /** Every registered value by keyed digest, with its encoded forms: whole strings equal to one are redacted. */
  readonly #digests = new ValueDigests();
  /** Redactions of short strings seen before (tool names, outcomes, log messages); cleared when a secret is added. */
  #cache = new Map<string, string>();

  /**
   * Registers secret values (a token, a password, a value resolved from a handle). Every later occurrence is
   * replaced: inside any text by exact match (values of 4 characters or more, and their URL-encoded form), and as a
   * whole string by digest (any length; also its base64, base64url, hex and URL-encoded forms).
   */
  register(...values: (string | undefined | null)[]): void {
    let changed = false;
    for (const value of values) {
      if (typeof value !== 'string' || value.length === 0) continue;
      if (this.#digests.add(value)) changed = true;
      for (const form of new Set([value, encodeURIComponent(value)])) {
        if (form.length >= MIN_SUBSTRING_LENGTH && !this.#values.has(form)) {
          this.#values.add(form);
          changed = true;
        }
      }
    }
    if (changed) {
      const sorted = [...this.#values].sort((a, b) => b.length - a.length);
      this.#shortestValue = sorted[sorted.length - 1]?.length ?? Number.POSITIVE_INFINITY;
      this.#valuePattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
      this.#cache.clear();
    }
  }

  redactString(text: string): string {
    // A string that may be a registered value as a whole (by its length) is checked by digest: cached like scans.
    if (this.#digests.mayMatch(text)) return this.#cached(text, () => this.#whole(text) ?? this.#scan(text));
    if (text.length < SHORTEST_SHAPE && text.length < this.#shortestValue) return text;
    // A string shorter than every registered value can hold none of them: the quick shape test alone clears most
    // such strings, cheaper than a cache lookup (ids and other one-off strings would only churn the cache).
    if (text.length < this.#shortestValue && !MAYBE_SHAPE.test(text)) return text;
    return this.#cached(text, () => this.#scan(text));
  }

  #cached(text: string, redact: () => string): string {
    if (text.length > CACHE_MAX_LENGTH) return redact();
    let out = this.#cache.get(text);
    if (out === undefined) {
      out = redact();
      if (this.#cache.size >= CACHE_ENTRIES) this.#cache.clear();
      this.#cache.set(text, out);
    }
    return out;
  }

  /** The string with a registered value that is all of it (but surrounding white space) masked, if one is. */
  #whole(text: string): string | undefined {
    const span = this.#digests.match(text);
    return span ? `${text.slice(0, span[0])}${REDACTED}${text.slice(span[1])}` : undefined;
  }

  #scan(text: string): string {
    const out = this.#valuePattern ? text.replace(this.#valuePattern, REDACTED) : text;
    if (!MAYBE_SHAPE.test(out)) return out;
    return out.replace(SHAPES, (...groups: unknown[]) => {
      for (let i = 1; i <= PREFIX_GROUPS; i++) {
        if (typeof groups[i] === 'string') return `${groups[i]}${REDACTED}`;
      }
      return REDACTED;
    });
  }

  /** Verdicts on object keys seen (a process logs and returns the same few keys over and over). */
  #keys = new Map<string, boolean>();

  #isSecretKey(key: string): boolean {
    let secret = this.#keys.get(key);
    if (secret === undefined) {
      secret = SECRET_KEY.test(key);
      if (this.#keys.size >= CACHE_ENTRIES) this.#keys.clear();
      this.#keys.set(key, secret);
    }
    return secret;
  }

  /** Returns a redacted copy of a JSON-like value; the input is not modified. */
  redact<T>(value: T): T {
    return this.#walk(value, undefined, 0) as T;
  }

  /** Returns the value itself when nothing in it needed redacting (no copy), else a redacted copy. */
  #walk(value: unknown, key: string | undefined, depth: number): unknown {
    if (typeof value === 'string') {
      // A secret-named key hides its value whatever it looks like, unless it is a handle (which names a secret).
      return key !== undefined && value.length > 0 && this.#isSecretKey(key) && !isSecretHandle(value)
        ? REDACTED
        : this.redactString(value);
    }
    if (value === null || typeof value !== 'object' || depth > 64) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const next = this.#walk(item, undefined, depth + 1);
        if (next !== item && !copy) copy = value.slice(0, i);
        copy?.push(next);
      }
      return copy ?? value;
    }
    if (value instanceof Error) {
      return {
        type: value.name,
        message: this.redactString(value.message),
        stack: value.stack && this.redactString(value.stack),
      };
    }
    if (value instanceof Date || value instanceof Uint8Array) return value;
    let copy: Record<string, unknown> | undefined;
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      const item = (value as Record<string, unknown>)[k];
      const next = this.#walk(item, k, depth + 1);
      if (next !== item && !copy) copy = { ...(value as Record<string, unknown>) };
      if (copy) copy[k] = next;
    }
    return copy ?? value;
  }
}

export function createRedactor(): Redactor {
  return new Redactor();
}
