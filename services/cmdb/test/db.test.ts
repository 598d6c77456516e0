import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { type Db, openDb } from '@switchboard/shared/sql';
import { CmdbStore } from '../src/store/cmdb-store.ts';
import { BACKENDS, type Backend } from './backends.ts';

describe.each(BACKENDS)('$name transactions', ({ make }) => {
  let backend: Backend;
  let db: Db;
  beforeEach(async () => {
    backend = make();
    const env = await backend.create();
    db = await openDb({
      url: env.CMDB_DATABASE_URL ?? env.CMDB_SQLITE_FILE,
      dataDir: '/nonexistent',
      defaultFile: 'cmdb.sqlite',
      poolSize: 4,
    });
    await new CmdbStore(db).migrate();
  });
  afterEach(async () => {
    await db.close();
    await backend.destroy();
  });

  test('a failure inside a write leaves nothing half-written', async () => {
    const store = new CmdbStore(db);
    const who = { actor: 't', correlationId: 'c' };
    await expect(
      db.write(async (q) => {
        await q.run(
          "INSERT INTO ci (id, type, name, tags, attributes, created_at, updated_at) VALUES ('x', 'host', 'half', '[]', '{}', 'now', 'now')",
        );
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await store.search({}, 10)).total).toBe(0);
    await store.upsert({ type: 'host', name: 'whole' }, who, false);
    expect((await store.search({}, 10)).total).toBe(1);
    expect((await store.changelog({}, 10)).total).toBe(1);
  });

  test('migrating twice is a no-op', async () => {
    await new CmdbStore(db).migrate();
    const rows = await db.read((q) => q.all<{ version: number }>('SELECT version FROM cmdb_schema_version'));
    expect(rows.map((r) => Number(r.version))).toEqual([1]);
  });
});
