import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Logger } from '@switchboard/shared';
import { request } from 'undici';

export interface JwksOptions {
  /** The authorization server's JSON Web Key Set (its `jwks_uri`). */
  url: string;
  /** How long a fetched key set is used before it is fetched again (in the background). */
  cacheMs: number;
  /** An unknown `kid` fetches the set again, at most this often (a flood of forged kids cannot hammer the server). */
  minRefreshMs: number;
  timeoutMs: number;
  log: Logger;
  now?: () => number;
}

const MAX_BYTES = 1024 * 1024;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

interface KeySet {
  byKid: Map<string, KeyObject>;
  all: KeyObject[];
  fetchedAt: number;
}

/**
 * The public keys of an authorization server, fetched from its JWKS URL and cached. Keys rotate by `kid`: a token
 * signed with a kid not in the cached set makes the set be fetched again (rate-limited), so a new key works as soon
 * as the server publishes it and a removed key stops working once the set is re-read. Keys meant for encryption, and
 * entries this code cannot import, are skipped.
 */
export class JwksCache {
  readonly #options: JwksOptions;
  #set: KeySet | undefined;
  #fetching: Promise<KeySet> | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  readonly #now: () => number;

  constructor(options: JwksOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The key for a token's `kid` (or the only key when the token names none), or undefined when there is none. */
  async keyFor(kid: string | undefined): Promise<KeyObject | undefined> {
    let set = this.#set;
    const now = this.#now();
    if (!set) set = await this.#refresh();
    else if (now - set.fetchedAt > this.#options.cacheMs) void this.#refresh().catch(() => {});
    let key = this.#pick(set, kid);
    if (!key && now - this.#lastAttempt >= this.#options.minRefreshMs) {
      set = await this.#refresh();
      key = this.#pick(set, kid);
    }
    return key;
  }

  /** The key without waiting, when the cached set has it (the common case: no promise per request). */
  cachedKey(kid: string | undefined): KeyObject | undefined {
    const set = this.#set;
    if (!set || this.#now() - set.fetchedAt > this.#options.cacheMs) return undefined;
    return this.#pick(set, kid);
  }

  #pick(set: KeySet, kid: string | undefined): KeyObject | undefined {
    if (kid !== undefined) return set.byKid.get(kid);
    return set.all.length === 1 ? set.all[0] : undefined;
  }

  #refresh(): Promise<KeySet> {
    this.#fetching ??= this.#fetch().finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  async #fetch(): Promise<KeySet> {
    this.#lastAttempt = this.#now();
    const { url, timeoutMs, log } = this.#options;
    let body: unknown;
    try {
      const response = await request(url, {
        method: 'GET',
        headers: { accept: 'application/jwk-set+json, application/json' },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
      if (text.length > MAX_BYTES) throw new Error('the key set is larger than 1 MB');
      body = JSON.parse(text);
    } catch (error) {
      log.warn({ err: error, jwks_url: url }, `cannot fetch the JWKS: ${(error as Error).message}`);
      if (this.#set) return this.#set;
      throw error;
    }
    const keys = (body as { keys?: unknown }).keys;
    if (!Array.isArray(keys)) {
      log.warn({ jwks_url: url }, 'the JWKS has no keys array');
      if (this.#set) return this.#set;
      throw new Error('the JWKS has no keys array');
    }
    const set: KeySet = { byKid: new Map(), all: [], fetchedAt: this.#now() };
    for (const entry of keys as Record<string, unknown>[]) {
      if (!entry || typeof entry !== 'object') continue;
      if (entry.use !== undefined && entry.use !== 'sig') continue;
      if (Array.isArray(entry.key_ops) && !entry.key_ops.includes('verify')) continue;
      const jwk = { ...entry } as Record<string, unknown>;
      for (const member of PRIVATE_MEMBERS) delete jwk[member];
      try {
        const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
        set.all.push(key);
        if (typeof entry.kid === 'string') set.byKid.set(entry.kid, key);
      } catch (error) {
        log.warn({ err: error, kid: entry.kid }, 'skipping a JWKS key that cannot be imported');
      }
    }
    log.info({ jwks_url: url, keys: set.all.length, kids: [...set.byKid.keys()] }, 'JWKS loaded');
    this.#set = set;
    return set;
  }
}
