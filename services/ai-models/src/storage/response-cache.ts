import { createHash } from 'node:crypto';

/** A generation answer as the cache keeps it (what `generate` returns, without usage, which is per call). */
export interface CachedAnswer {
  text: string;
  json?: unknown;
  toolCalls: { id: string; name: string; input: unknown }[];
  stopReason: string;
  providerModel: string;
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  cachedAt: string;
}

export interface CacheStats {
  backend: 'sqlite' | 'postgres' | 'redis';
  entries: number;
  bytes: number;
  /** Lifetime counts kept in the cache's own store (shared by replicas). */
  hits: number;
  misses: number;
}

/** The response cache: SQL (SQLite by default, PostgreSQL by URL) or Redis. */
export interface ResponseCache {
  readonly backend: CacheStats['backend'];
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer, ttlSeconds: number): Promise<void>;
  stats(): Promise<CacheStats>;
  /** Removes every entry, or those of one model; returns how many. */
  clear(model?: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Object keys sorted at every level, so equal requests serialise (and hash) equally. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The cache key: SHA-256 of (provider, endpoint, model, normalised request). */
export function cacheKey(parts: { provider: string; endpoint: string; model: string; request: unknown }): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(parts)))
    .digest('hex');
}
