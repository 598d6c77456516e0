import type { Channel } from '../model.ts';

/** Token buckets per channel: `perMinute` messages a minute, bursts up to that many; 0 or unset is unlimited. */
export class ChannelRateLimiter {
  readonly #perMinute: Partial<Record<Channel, number>>;
  readonly #buckets = new Map<Channel, { tokens: number; at: number }>();

  constructor(perMinute: Partial<Record<Channel, number>>) {
    this.#perMinute = perMinute;
  }

  #bucket(channel: Channel, now: number) {
    const rate = this.#perMinute[channel] ?? 0;
    let bucket = this.#buckets.get(channel);
    if (!bucket) {
      bucket = { tokens: rate, at: now };
      this.#buckets.set(channel, bucket);
    }
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 60_000) * rate);
    bucket.at = now;
    return { bucket, rate };
  }

  /** How many sends the channel may start now. */
  available(channel: Channel, now = Date.now()): number {
    const { bucket, rate } = this.#bucket(channel, now);
    return rate === 0 ? Number.POSITIVE_INFINITY : Math.floor(bucket.tokens);
  }

  take(channel: Channel, now = Date.now()): boolean {
    const { bucket, rate } = this.#bucket(channel, now);
    if (rate === 0) return true;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
