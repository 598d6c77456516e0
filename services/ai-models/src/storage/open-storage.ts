import { type Logger, type Redactor, ToolError } from '@switchboard/shared';
import { type Db, migrate, openDb } from '@switchboard/shared/sql';
import type { AiConfig } from '../config.ts';
import { EmbeddedVectorStore } from '../vectors/embedded-store.ts';
import { QdrantVectorStore } from '../vectors/qdrant-store.ts';
import type { VectorStore } from '../vectors/vector-store.ts';
import { aiMigrations } from './migrations.ts';
import { RedisResponseCache } from './redis-cache.ts';
import type { ResponseCache } from './response-cache.ts';
import { SqlResponseCache } from './sql-cache.ts';
import { UsageLedger } from './usage-ledger.ts';

export interface Storage {
  db: Db;
  ledger(): Promise<UsageLedger>;
  cache(): Promise<ResponseCache>;
  vectors(): Promise<VectorStore>;
  close(): Promise<void>;
}

/**
 * Opens the SQL database (ledger, SQL cache, embedded vectors), the Redis cache when configured, and Qdrant when
 * configured. A database that is down at start leaves the service running: calls fail with DEPENDENCY_UNAVAILABLE
 * and each call retries the migration.
 */
export async function openStorage(
  config: Readonly<AiConfig & { dataDir: string }>,
  log: Logger,
  redactor: Redactor,
): Promise<Storage> {
  const db = await openDb({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    defaultFile: 'ai-models.sqlite',
    poolSize: config.poolSize,
    redactor,
  });
  log.info({ database: db.label }, `ai-models store: ${db.label}`);
  let migrated: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    migrated ??= migrate(db, aiMigrations(db.dialect)).then(
      () => undefined,
      (error: unknown) => {
        migrated = undefined;
        log.error({ err: error }, 'the ai-models database is not reachable');
        throw new ToolError('DEPENDENCY_UNAVAILABLE', `the ai-models database is not reachable: ${(error as Error).message}`);
      },
    );
    return migrated;
  };
  void ready().catch(() => {});
  const ledger = new UsageLedger(db);
  if (config.cacheUrl) {
    try {
      const password = decodeURIComponent(new URL(config.cacheUrl).password);
      if (password) redactor.register(password);
    } catch {}
  }
  const cache: ResponseCache = config.cacheUrl
    ? new RedisResponseCache({ url: config.cacheUrl, prefix: config.cachePrefix })
    : new SqlResponseCache(db);
  if (config.qdrantApiKey) redactor.register(config.qdrantApiKey);
  const vectors: VectorStore =
    config.vectorStore === 'qdrant' && config.qdrantUrl
      ? new QdrantVectorStore({ url: config.qdrantUrl, apiKey: config.qdrantApiKey })
      : new EmbeddedVectorStore(db);
  log.info({ cache: cache.backend, vectors: vectors.kind }, 'ai-models backends');
  return {
    db,
    ledger: async () => {
      await ready();
      return ledger;
    },
    cache: async () => {
      if (cache.backend !== 'redis') await ready();
      return cache;
    },
    vectors: async () => {
      await ready();
      return vectors;
    },
    close: async () => {
      await cache.close();
      await vectors.close();
      await db.close();
    },
  };
}
