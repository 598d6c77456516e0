/**
 * One redactor per process: it strips registered secret values and common credential shapes from any
 * string or JSON value before it reaches a log line, a metric label or a tool result.
 */
export const REDACTED = '[REDACTED]';

const MIN_SECRET_LENGTH = 4;

/** Credential shapes recognised without registration; the whole match is secret. */
const WHOLE: readonly string[] = [
  String.raw`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`,
  String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
  String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}\b`,
  String.raw`\bgithub_pat_[A-Za-z0-9_]{30,}\b`,
  String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`,
  String.raw`\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}`,
  String.raw`\bAIza[0-9A-Za-z_-]{35}\b`,
  String.raw`\bSK[0-9a-fA-F]{32}\b`,
  String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
];

/** Shapes where only what follows a harmless prefix is secret: each is `(prefix)secret`. */
const PREFIXED: readonly string[] = [
  String.raw`(?i:(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,})`,
  String.raw`(?i:(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:)[^\s@/"']+(?=@))`,
  String.raw`(?i:((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|client[_-]?secret)["']?\s*[:=]\s*["']?)[^\s"',;&]{4,})`,
];

/** All shapes in one regex, so each string is scanned once; capture group i+1 is PREFIXED[i]'s prefix. */
const SHAPES = new RegExp([...PREFIXED, ...WHOLE].join('|'), 'g');

/**
 * A quick test that every string SHAPES could match passes (a superset: literal parts every shape needs), so most
 * strings skip the full scan.
 */
const MAYBE_SHAPE =
  /[:=]|-----BEGIN|AKIA|ASIA|gh[pousr]_|github_pat_|xox|sk-|AIza|SK|eyJ|[Bb][Ee][Aa][Rr][Ee][Rr]|[Bb][Aa][Ss][Ii][Cc]/;

/** Object keys whose string values are secrets whatever they look like. */
const SECRET_KEY =
  /^(?:password|passwd|pwd|secret|client_?secret|api_?key|apikey|access_?key|secret_?key|private_?key|token|auth_?token|access_?token|refresh_?token|authorization|credentials?)$/i;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** No recognised credential shape is shorter than this (`pwd=abcd`). */
const SHORTEST_SHAPE = 8;
const CACHE_MAX_LENGTH = 128;
const CACHE_ENTRIES = 2048;

export class Redactor {
  #values = new Set<string>();
  #valuePattern: RegExp | undefined;
  #shortestValue = Number.POSITIVE_INFINITY;
  /** Redactions of short strings seen before (tool names, outcomes, log messages); cleared when a secret is added. */
  #cache = new Map<string, string>();

  /** Registers a secret value; every later occurrence is replaced. Short values are ignored (they would mangle text). */
  register(...values: (string | undefined | null)[]): void {
    let changed = false;
    for (const value of values) {
      if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH && !this.#values.has(value)) {
        this.#values.add(value);
        changed = true;
      }
    }
    if (changed) {
      const sorted = [...this.#values].sort((a, b) => b.length - a.length);
      this.#shortestValue = sorted[sorted.length - 1]?.length ?? Number.POSITIVE_INFINITY;
      this.#valuePattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
      this.#cache.clear();
    }
  }

  redactString(text: string): string {
    if (text.length < SHORTEST_SHAPE && text.length < this.#shortestValue) return text;
    // A string shorter than every registered value can hold none of them: the quick shape test alone clears most
    // such strings, cheaper than a cache lookup (ids and other one-off strings would only churn the cache).
    if (text.length < this.#shortestValue && !MAYBE_SHAPE.test(text)) return text;
    if (text.length > CACHE_MAX_LENGTH) return this.#scan(text);
    let out = this.#cache.get(text);
    if (out === undefined) {
      out = this.#scan(text);
      if (this.#cache.size >= CACHE_ENTRIES) this.#cache.clear();
      this.#cache.set(text, out);
    }
    return out;
  }

  #scan(text: string): string {
    const out = this.#valuePattern ? text.replace(this.#valuePattern, REDACTED) : text;
    if (!MAYBE_SHAPE.test(out)) return out;
    return out.replace(SHAPES, (...groups: unknown[]) => {
      for (let i = 1; i <= PREFIXED.length; i++) {
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
      return key !== undefined && value.length > 0 && this.#isSecretKey(key) ? REDACTED : this.redactString(value);
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
