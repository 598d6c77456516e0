import { callerIdOf } from './auth.ts';
import { sendJsonRpcError } from './json-rpc-error.ts';
import type { RequestGuard } from './mcp-request.ts';

export interface RateLimitOptions {
  /** Requests per minute per client; 0 turns the limit off. */
  perMinute: number;
  /** How many clients are tracked at once before the least recently seen are forgotten. */
  maxClients?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * Per-client token bucket (the authenticated caller, or the remote address without auth). Bursts up to one
 * minute's allowance; over it, 429 with Retry-After in whole seconds.
 */
export function createRateLimiter(options: RateLimitOptions): RequestGuard {
  const capacity = options.perMinute;
  const perMs = capacity / 60_000;
  const maxClients = options.maxClients ?? 10_000;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  return (req, res) => {
    if (capacity <= 0) return true;
    const key = callerIdOf(req) ?? `ip:${req.socket.remoteAddress ?? 'unknown'}`;
    const at = now();
    let bucket = buckets.get(key);
    if (bucket) {
      buckets.delete(key);
      bucket.tokens = Math.min(capacity, bucket.tokens + (at - bucket.updated) * perMs);
      bucket.updated = at;
    } else {
      bucket = { tokens: capacity, updated: at };
      if (buckets.size >= maxClients) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
    }
    buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      sendJsonRpcError(
        res,
        429,
        -32000,
        `Too many requests: the limit is ${capacity} per minute; retry after ${retryAfter}s`,
        { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
      return false;
    }
    bucket.tokens -= 1;
    return true;
  };
}
