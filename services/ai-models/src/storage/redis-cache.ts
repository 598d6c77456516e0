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
  readonly #url: string;
  readonly #prefix: string;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;

  constructor(options: RedisCacheOptions) {
    this.#url = options.url;
    this.#prefix = options.prefix;
  }

  /** A connected client: made on first use, and made again after a failed first connection. */
  async #ready(): Promise<Client> {
    if (this.#client?.isReady) return this.#client;
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<Client> {
    if (this.#client?.isOpen) {
      // Established before and reconnecting by itself: fail this call rather than wait for it.
      throw new ToolError('DEPENDENCY_UNAVAILABLE', 'the Redis cache connection is being re-established');
    }
    let connectedOnce = false;
    const client: Client = createClient({
      url: this.#url,
      // While Redis is away, commands fail at once (DEPENDENCY_UNAVAILABLE) instead of queueing behind a reconnect.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5000,
        // An established connection reconnects with backoff; a first connection that fails is given up (below).
        reconnectStrategy: (retries: number) => (connectedOnce ? Math.min(retries * 200, 5000) : 200),
      },
    });
    let lastError: unknown;
    // Errors surface on the commands; without a listener an error event would throw.
    client.on('error', (error) => {
      lastError = error;
    });
    client.on('ready', () => {
      connectedOnce = true;
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no connection within 5 s${lastError ? ` (${(lastError as Error).message})` : ''}`)),
        5000,
      ).unref(),
    );
    const refused = new Promise<never>((_, reject) => client.once('error', (error: Error) => reject(error)));
    try {
      await Promise.race([client.connect(), timeout, refused]);
      this.#client = client;
      return client;
    } catch (error) {
      client.destroy();
      throw new ToolError('DEPENDENCY_UNAVAILABLE', `the Redis cache cannot be reached: ${(error as Error).message}`, {
        cause: error,
      });
    }
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
    if (this.#client?.isOpen) await this.#client.close().catch(() => {});
  }
}
