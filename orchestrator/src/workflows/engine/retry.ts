import type { RetryPolicy } from '../definition/schema.ts';

/**
 * The delay before attempt `attempt + 1`: intervalMs × backoffRate^(attempt − 1), capped by maxDelayMs; with
 * full jitter, a random delay between 0 and that.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = policy.intervalMs * policy.backoffRate ** Math.max(0, attempt - 1);
  const capped = Math.min(base, policy.maxDelayMs ?? Number.POSITIVE_INFINITY, 2_147_483_647);
  return Math.round(policy.jitter === 'full' ? random() * capped : capped);
}
