import type { RetryPolicy } from '../config.ts';

/** Exponential backoff with full jitter over the second half: attempt 1 waits about baseMs, doubling up to maxMs. */
export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
