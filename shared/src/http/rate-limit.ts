import { RateLimiter } from '../policy/rate-limiter.ts';
import { callerIdOf } from './auth.ts';
import { sendJsonRpcError } from './json-rpc-error.ts';
import type { McpResponse, RequestGuard } from './mcp-request.ts';

export interface RateLimitOptions {
  /** Requests per minute per client; 0 turns the limit off. */
  perMinute: number;
  /** How many clients are tracked at once before the least recently seen are forgotten. */
  maxClients?: number;
  now?: () => number;
}

/** The 429 a client over its per-minute allowance gets, with Retry-After in whole seconds. */
export function sendRateLimited(res: McpResponse, perMinute: number, retryAfterSeconds: number): void {
  sendJsonRpcError(
    res,
    429,
    -32000,
    `Too many requests: the limit is ${perMinute} per minute; retry after ${retryAfterSeconds}s`,
    { code: 'RATE_LIMITED', retryAfterSeconds },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

/**
 * Per-client token bucket (the authenticated caller, or the remote address without auth). Bursts up to one
 * minute's allowance; over it, 429 with Retry-After in whole seconds.
 */
export function createRateLimiter(options: RateLimitOptions): RequestGuard {
  const { perMinute } = options;
  const limiter = new RateLimiter({
    ...(options.maxClients !== undefined ? { maxCallers: options.maxClients } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return (req, res) => {
    if (perMinute <= 0) return true;
    const wait = limiter.take(callerIdOf(req) ?? `ip:${req.socket.remoteAddress ?? 'unknown'}`, perMinute);
    if (wait === 0) return true;
    sendRateLimited(res, perMinute, wait);
    return false;
  };
}
