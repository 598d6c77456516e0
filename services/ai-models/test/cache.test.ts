import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type Db, migrate, openDb } from '@switchboard/shared/sql';
import { createTestDatabase, type TestDatabase } from '@switchboard/shared/testing';
import { createClient } from 'redis';
import { aiMigrations } from '../src/storage/migrations.ts';
import { RedisResponseCache } from '../src/storage/redis-cache.ts';
import { type CachedAnswer, cacheKey, type ResponseCache } from '../src/storage/response-cache.ts';
import { SqlResponseCache } from '../src/storage/sql-cache.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';

function answer(model: string, text: string): CachedAnswer {
  return {
    text,
    toolCalls: [],
    stopReason: 'end_turn',
    providerModel: model,
    model,
    provider: 'openai',
    inputTokens: 3,
    outputTokens: 4,
    cachedAt: new Date().toISOString(),
  };
}

const backends: [string, () => Promise<{ cache: ResponseCache; close(): Promise<void> }>][] = [
  ...(['sqlite', 'postgres'] as const).map(
    (dialect) =>
      [
        `SQL cache on ${dialect}`,
        async () => {
          const database: TestDatabase = await createTestDatabase(dialect, 'ai_cache');
          const db: Db = await openDb({ url: database.url, dataDir: '/unused', defaultFile: 'x.sqlite' });
          await migrate(db, aiMigrations(db.dialect));
          return {
            cache: new SqlResponseCache(db),
            close: async () => {
              await db.close();
              await database.destroy();
            },
          };
        },
      ] as [string, () => Promise<{ cache: ResponseCache; close(): Promise<void> }>],
  ),
  [
    'Redis cache (the real Redis on 127.0.0.1:6379)',
    async () => {
      const prefix = `switchboard-test:${randomBytes(6).toString('hex')}:`;
      const cache = new RedisResponseCache({ url: REDIS_URL, prefix });
      return {
        cache,
        close: async () => {
          const admin = createClient({ url: REDIS_URL });
          await admin.connect();
          const keys: string[] = [];
          for await (const batch of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch.map(String));
          if (keys.length > 0) await admin.del(keys);
          await admin.close();
          await cache.close();
        },
      };
    },
  ],
];

test('the cache key is stable across key order and differs by endpoint, model and request', () => {
  const a = cacheKey({
    provider: 'openai',
    endpoint: 'x',
    model: 'm',
    request: { temperature: 0, messages: [{ role: 'user', content: 'hi' }] },
  });
  const b = cacheKey({
    request: { messages: [{ content: 'hi', role: 'user' }], temperature: 0 },
    model: 'm',
    endpoint: 'x',
    provider: 'openai',
  });
  expect(a).toBe(b);
  expect(
    cacheKey({
      provider: 'openai',
      endpoint: 'y',
      model: 'm',
      request: { temperature: 0, messages: [{ role: 'user', content: 'hi' }] },
    }),
  ).not.toBe(a);
  expect(
    cacheKey({
      provider: 'openai',
      endpoint: 'x',
      model: 'n',
      request: { temperature: 0, messages: [{ role: 'user', content: 'hi' }] },
    }),
  ).not.toBe(a);
  expect(
    cacheKey({
      provider: 'openai',
      endpoint: 'x',
      model: 'm',
      request: { temperature: 0, messages: [{ role: 'user', content: 'hi!' }] },
    }),
  ).not.toBe(a);
});

describe.each(backends)('response cache contract: %s', (_name, make) => {
  let backend: { cache: ResponseCache; close(): Promise<void> };

  beforeAll(async () => {
    backend = await make();
  });

  afterAll(async () => {
    await backend?.close();
  });

  test('miss, set, hit; stats count both; clear by model and in full', async () => {
    const { cache } = backend;
    expect(await cache.get('k1')).toBeUndefined();
    await cache.set('k1', answer('m1', 'one'), 60);
    await cache.set('k2', answer('m2', 'two'), 60);
    expect(await cache.get('k1')).toMatchObject({ text: 'one', model: 'm1', inputTokens: 3 });
    const stats = await cache.stats();
    expect(stats).toMatchObject({ entries: 2, hits: 1, misses: 1 });
    expect(stats.bytes).toBeGreaterThan(0);
    expect(await cache.clear('m1')).toBe(1);
    expect(await cache.get('k1')).toBeUndefined();
    expect(await cache.get('k2')).toMatchObject({ text: 'two' });
    expect(await cache.clear()).toBe(1);
    expect((await cache.stats()).entries).toBe(0);
  });

  test('an entry past its TTL is gone', async () => {
    const { cache } = backend;
    await cache.set('short', answer('m3', 'brief'), 1);
    expect(await cache.get('short')).toMatchObject({ text: 'brief' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await cache.get('short')).toBeUndefined();
  });
});

test('an unreachable Redis is DEPENDENCY_UNAVAILABLE, not a crash', async () => {
  const cache = new RedisResponseCache({ url: 'redis://127.0.0.1:1', prefix: 'x:' });
  await expect(cache.get('k')).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
  await cache.close();
});
