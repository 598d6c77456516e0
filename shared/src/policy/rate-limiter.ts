interface Bucket {
  tokens: number;
  updated: number;
  capacity: number;
}

/**
 * Token buckets per caller: each holds a minute's allowance (bursts up to it) and refills continuously. `take`
 * answers 0 when a call may go, else the whole seconds to wait. Past `maxCallers` callers the least recently seen
 * bucket is forgotten.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxCallers: number;
  readonly #now: () => number;

  constructor(options: { maxCallers?: number; now?: () => number } = {}) {
    this.#maxCallers = options.maxCallers ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  take(key: string, perMinute: number): number {
    const at = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket) {
      // Re-inserted, so the map's first key is always the least recently seen caller.
      this.#buckets.delete(key);
      this.#buckets.set(key, bucket);
      bucket.tokens = Math.min(perMinute, bucket.tokens + ((at - bucket.updated) * perMinute) / 60_000);
      if (bucket.capacity !== perMinute) {
        bucket.tokens = Math.min(bucket.tokens, perMinute);
        bucket.capacity = perMinute;
      }
      bucket.updated = at;
    } else {
      bucket = { tokens: perMinute, updated: at, capacity: perMinute };
      if (this.#buckets.size >= this.#maxCallers) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
      this.#buckets.set(key, bucket);
    }
    if (bucket.tokens < 1) return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / perMinute));
    bucket.tokens -= 1;
    return 0;
  }
}
