import { createHmac, randomBytes } from 'node:crypto';

/**
 * The forms a registered value is recognised in when it is a whole string: as is, base64 (padded and not),
 * base64url, hex (either case) and URL-encoded. A tool that returns `Buffer.from(secret).toString('base64')` or a
 * command that prints it with a trailing newline is caught as surely as the value itself.
 */
function formsOf(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const base64 = bytes.toString('base64');
  const hex = bytes.toString('hex');
  return [
    value,
    base64,
    base64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    hex,
    hex.toUpperCase(),
    encodeURIComponent(value),
  ];
}

function isSpace(code: number | undefined): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Registered values by keyed digest: an HMAC-SHA256 under a random key made for this process, of each value and
 * each of its encoded forms. A whole string (a JSON string value, a log message) is checked by length first, then
 * by digest, so a value of any length is caught, those too short for substring matching (under 4 characters)
 * included, and the set holds no value in the clear.
 */
export class ValueDigests {
  readonly #key = randomBytes(32);
  readonly #digests = new Set<string>();
  /** Lengths of the registered forms: a string of another length cannot match and is not hashed. */
  readonly #lengths = new Set<number>();
  /**
   * A cheap keyed 32-bit hash of each form, checked before the HMAC: most strings of a matching length differ here
   * and never pay for an HMAC. It confirms nothing by itself.
   */
  readonly #quick = new Set<number>();
  readonly #seed = randomBytes(4).readUInt32LE(0);

  get size(): number {
    return this.#digests.size;
  }

  #digest(text: string): string {
    return createHmac('sha256', this.#key).update(text, 'utf8').digest('base64url');
  }

  /** FNV-1a over the UTF-16 code units, from a per-process seed. */
  #quickHash(text: string): number {
    let h = this.#seed ^ 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  #has(text: string): boolean {
    return this.#lengths.has(text.length) && this.#quick.has(this.#quickHash(text)) && this.#digests.has(this.#digest(text));
  }

  /** Adds a value (and its encoded forms); false when it was known already. */
  add(value: string): boolean {
    const before = this.#digests.size;
    for (const form of formsOf(value)) {
      this.#digests.add(this.#digest(form));
      this.#lengths.add(form.length);
      this.#quick.add(this.#quickHash(form));
    }
    return this.#digests.size !== before;
  }

  /** Whether the string could be a registered form at all (by its length, or its length without white space). */
  mayMatch(text: string): boolean {
    if (this.#digests.size === 0) return false;
    if (this.#lengths.has(text.length)) return true;
    return text.length > 0 && (isSpace(text.charCodeAt(0)) || isSpace(text.charCodeAt(text.length - 1)));
  }

  /**
   * Where a registered value or form is the whole string, or the string without surrounding white space (a command
   * printed it): the [start, end) of that part, or undefined.
   */
  match(text: string): [number, number] | undefined {
    if (this.#digests.size === 0) return undefined;
    if (this.#has(text)) return [0, text.length];
    if (text.length === 0 || (!isSpace(text.charCodeAt(0)) && !isSpace(text.charCodeAt(text.length - 1)))) return undefined;
    const trimmed = text.trim();
    if (trimmed.length === 0 || !this.#has(trimmed)) return undefined;
    const start = text.indexOf(trimmed);
    return [start, start + trimmed.length];
  }
}
