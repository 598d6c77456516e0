import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { ToolError } from '@switchboard/shared';
import { CmdbStore } from '../src/store/cmdb-store.ts';
import type { Db } from '../src/store/db.ts';
import { PostgresDb } from '../src/store/postgres-db.ts';
import { SqliteDb } from '../src/store/sqlite-db.ts';
import { BACKENDS, type Backend } from './backends.ts';

describe.each(BACKENDS)('$name transactions', ({ make }) => {
  let backend: Backend;
  let db: Db;
  beforeEach(async () => {
    backend = make();
    const env = await backend.create();
    db = env.CMDB_DATABASE_URL ? new PostgresDb(env.CMDB_DATABASE_URL, 4) : new SqliteDb(env.CMDB_SQLITE_FILE as string);
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

test('an unreachable PostgreSQL becomes DEPENDENCY_UNAVAILABLE', async () => {
  const db = new PostgresDb('postgres://postgres@127.0.0.1:1/none', 1);
  const error = await db.read((q) => q.get('SELECT 1')).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ToolError);
  expect((error as ToolError).code).toBe('DEPENDENCY_UNAVAILABLE');
  await db.close();
});
