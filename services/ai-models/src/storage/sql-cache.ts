import type { Db } from '@switchboard/shared/sql';
import type { CachedAnswer, CacheStats, ResponseCache } from './response-cache.ts';

/** The response cache in the service's SQL database (SQLite by default). Expired rows are ignored, then swept. */
export class SqlResponseCache implements ResponseCache {
  readonly backend: CacheStats['backend'];
  readonly #db: Db;
  #lastSweep = 0;

  constructor(db: Db) {
    this.#db = db;
    this.backend = db.dialect;
  }

  async #count(name: 'hits' | 'misses'): Promise<void> {
    await this.#db.write((q) =>
      q.run(
        'INSERT INTO ai_cache_counter (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = ai_cache_counter.value + 1',
        [name],
      ),
    );
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const now = Date.now();
    const row = await this.#db.read((q) =>
      q.get<{ body: string }>('SELECT body FROM ai_cache WHERE cache_key = ? AND expires_at > ?', [key, now]),
    );
    if (!row) {
      await this.#count('misses');
      return undefined;
    }
    await this.#db.write((q) => q.run('UPDATE ai_cache SET hits = hits + 1 WHERE cache_key = ?', [key]));
    await this.#count('hits');
    return JSON.parse(row.body) as CachedAnswer;
  }

  async set(key: string, answer: CachedAnswer, ttlSeconds: number): Promise<void> {
    const now = Date.now();
    const body = JSON.stringify(answer);
    await this.#db.write(async (q) => {
      await q.run(
        `INSERT INTO ai_cache (cache_key, model, body, bytes, created_at, expires_at, hits) VALUES (?, ?, ?, ?, ?, ?, 0)
         ON CONFLICT (cache_key) DO UPDATE SET model = excluded.model, body = excluded.body, bytes = excluded.bytes,
           created_at = excluded.created_at, expires_at = excluded.expires_at`,
        [key, answer.model, body, Buffer.byteLength(body), now, now + ttlSeconds * 1000],
      );
      if (now - this.#lastSweep > 60_000) {
        this.#lastSweep = now;
        await q.run('DELETE FROM ai_cache WHERE expires_at <= ?', [now]);
      }
    });
  }

  async stats(): Promise<CacheStats> {
    return this.#db.read(async (q) => {
      const live = await q.get<{ n: number | string; bytes: number | string | null }>(
        'SELECT COUNT(*) AS n, SUM(bytes) AS bytes FROM ai_cache WHERE expires_at > ?',
        [Date.now()],
      );
      const counters = await q.all<{ name: string; value: number | string }>('SELECT name, value FROM ai_cache_counter');
      const counter = (name: string) => Number(counters.find((c) => c.name === name)?.value ?? 0);
      return {
        backend: this.backend,
        entries: Number(live?.n ?? 0),
        bytes: Number(live?.bytes ?? 0),
        hits: counter('hits'),
        misses: counter('misses'),
      };
    });
  }

  async clear(model?: string): Promise<number> {
    return this.#db.write((q) =>
      model === undefined ? q.run('DELETE FROM ai_cache') : q.run('DELETE FROM ai_cache WHERE model = ?', [model]),
    );
  }

  ping(): Promise<void> {
    return this.#db.ping();
  }

  async close(): Promise<void> {}
}
