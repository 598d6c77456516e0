import { ToolError } from '@switchboard/shared';
import { createClient } from 'redis';
import type { CachedAnswer, CacheStats, ResponseCache } from './response-cache.ts';

export interface RedisCacheOptions {
  url: string;
  /** Every key starts with it (`switchboard:ai:`), so the cache can share a Redis. */
  prefix: string;
}

type Client = ReturnType<typeof createClient>;

/**
 * The response cache in Redis (the `redis` client): one string per entry with its TTL set by Redis (EX), a set per
 * model for clearing by model, and a hash of lifetime hit/miss counts.
 */
export class RedisResponseCache implements ResponseCache {
  readonly backend = 'redis' as const;
  readonly #client: Client;
  readonly #prefix: string;
  #connected: Promise<unknown> | undefined;

  constructor(options: RedisCacheOptions) {
    this.#client = createClient({
      url: options.url,
      socket: { connectTimeout: 5000, reconnectStrategy: (n) => Math.min(n * 200, 5000) },
    });
    // Errors surface on the commands; the client reconnects by itself. Without a listener an error event throws.
    this.#client.on('error', () => {});
    this.#prefix = options.prefix;
  }

  async #ready(): Promise<Client> {
    this.#connected ??= this.#client.connect().catch((error) => {
      this.#connected = undefined;
      throw error;
    });
    try {
      await this.#connected;
    } catch (error) {
      throw new ToolError('DEPENDENCY_UNAVAILABLE', `the Redis cache cannot be reached: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return this.#client;
  }

  #entry(key: string): string {
    return `${this.#prefix}cache:${key}`;
  }

  #model(model: string): string {
    return `${this.#prefix}cache-model:${model}`;
  }

  get #statsKey(): string {
    return `${this.#prefix}cache-stats`;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const client = await this.#ready();
    const body = await client.get(this.#entry(key));
    await client.hIncrBy(this.#statsKey, body === null ? 'misses' : 'hits', 1);
    return body === null ? undefined : (JSON.parse(String(body)) as CachedAnswer);
  }

  async set(key: string, answer: CachedAnswer, ttlSeconds: number): Promise<void> {
    const client = await this.#ready();
    await client
      .multi()
      .set(this.#entry(key), JSON.stringify(answer), { expiration: { type: 'EX', value: ttlSeconds } })
      .sAdd(this.#model(answer.model), key)
      .exec();
  }

  async #keys(client: Client): Promise<string[]> {
    const out: string[] = [];
    for await (const keys of client.scanIterator({ MATCH: `${this.#prefix}cache:*`, COUNT: 1000 })) out.push(...keys.map(String));
    return out;
  }

  async stats(): Promise<CacheStats> {
    const client = await this.#ready();
    const keys = await this.#keys(client);
    let bytes = 0;
    for (let i = 0; i < keys.length; i += 500) {
      const lengths = await Promise.all(keys.slice(i, i + 500).map((k) => client.strLen(k)));
      bytes += lengths.reduce((a, b) => a + Number(b), 0);
    }
    const counts = (await client.hGetAll(this.#statsKey)) as Record<string, string>;
    return { backend: 'redis', entries: keys.length, bytes, hits: Number(counts.hits ?? 0), misses: Number(counts.misses ?? 0) };
  }

  async clear(model?: string): Promise<number> {
    const client = await this.#ready();
    let keys: string[];
    if (model === undefined) {
      keys = await this.#keys(client);
      const models: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${this.#prefix}cache-model:*`, COUNT: 1000 }))
        models.push(...batch.map(String));
      if (models.length > 0) await client.del(models);
    } else {
      keys = (await client.sMembers(this.#model(model))).map((k) => this.#entry(String(k)));
      await client.del(this.#model(model));
    }
    let removed = 0;
    for (let i = 0; i < keys.length; i += 500) removed += Number(await client.del(keys.slice(i, i + 500)));
    return removed;
  }

  async ping(): Promise<void> {
    await (await this.#ready()).ping();
  }

  async close(): Promise<void> {
    if (this.#connected) await this.#client.close().catch(() => {});
  }
}
