import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createRedactor, ToolError } from '../src/index.ts';
import {
  type Db,
  databaseUrl,
  escapeLike,
  jsonFieldIn,
  locateDatabase,
  lockRows,
  migrate,
  openDb,
  placeholders,
  sqlTypes,
} from '../src/sql/index.ts';
import { numbered } from '../src/sql/postgres-db.ts';
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from '../src/testing/index.ts';

describe.each(TEST_DIALECTS)('SQL layer contract on %s', (dialect) => {
  let database: TestDatabase;
  let db: Db;
  const extra: Db[] = [];
  beforeEach(async () => {
    database = await createTestDatabase(dialect, 'sql_contract');
    db = await openDb({ url: database.url, dataDir: '/nonexistent', defaultFile: 'x.sqlite', poolSize: 4 });
    const t = sqlTypes(db.dialect);
    await db.write(async (q) => {
      await q.run(
        `CREATE TABLE thing (id ${t.autoId}, name TEXT NOT NULL UNIQUE, flag ${t.boolean}, n ${t.bigint}, body ${t.bytes}, doc ${t.json})`,
      );
    });
  });
  afterEach(async () => {
    await db.close();
    for (const other of extra.splice(0)) await other.close();
    await database.destroy();
  });

  /**
   * Another handle on the same database, as a second process would hold: on PostgreSQL a second pool; on SQLite the
   * same handle (one process holds one handle per file: a second connection in the same event loop would wait
   * synchronously for the first one's lock).
   */
  const open = async () => {
    if (dialect === 'sqlite') return db;
    const other = await openDb({ url: database.url, dataDir: '/nonexistent', defaultFile: 'x.sqlite', poolSize: 4 });
    extra.push(other);
    return other;
  };

  test('values round-trip: text, numbers, booleans, null, bytes, 64-bit times', async () => {
    const now = Date.now();
    const changed = await db.write((q) =>
      q.run('INSERT INTO thing (name, flag, n, body, doc) VALUES (?, ?, ?, ?, ?)', [
        'a',
        true,
        now,
        new Uint8Array([1, 2, 255]),
        JSON.stringify({ k: 'v', n: 2 }),
      ]),
    );
    expect(changed).toBe(1);
    await db.write((q) =>
      q.run('INSERT INTO thing (name, flag, n, body, doc) VALUES (?, ?, ?, ?, ?)', ['b', false, null, null, '{}']),
    );
    const rows = await db.read((q) =>
      q.all<{ name: string; flag: unknown; n: unknown; body: Uint8Array | null }>(
        'SELECT name, flag, n, body FROM thing ORDER BY name',
      ),
    );
    expect(rows.map((r) => r.name)).toEqual(['a', 'b']);
    expect(Boolean(rows[0]?.flag)).toBe(true);
    expect(Boolean(rows[1]?.flag)).toBe(false);
    expect(Number(rows[0]?.n)).toBe(now);
    expect(rows[1]?.n).toBeNull();
    expect(Array.from(rows[0]?.body ?? [])).toEqual([1, 2, 255]);
    expect(await db.read((q) => q.get('SELECT name FROM thing WHERE name = ?', ['none']))).toBeUndefined();
    const flagged = await db.read((q) => q.all<{ name: string }>('SELECT name FROM thing WHERE flag = ?', [true]));
    expect(flagged.map((r) => r.name)).toEqual(['a']);
  });

  test('a failure inside write rolls the whole transaction back', async () => {
    await expect(
      db.write(async (q) => {
        await q.run('INSERT INTO thing (name) VALUES (?)', ['half']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.read((q) => q.all('SELECT * FROM thing'))).toEqual([]);
    await db.write((q) => q.run('INSERT INTO thing (name) VALUES (?)', ['whole']));
    expect((await db.read((q) => q.all('SELECT * FROM thing'))).length).toBe(1);
  });

  test('a ToolError from inside write reaches the caller as it was thrown', async () => {
    const error = await db
      .write(async () => {
        throw new ToolError('NOT_FOUND', 'no such thing');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('NOT_FOUND');
  });

  test('concurrent read-modify-write transactions do not lose updates', async () => {
    const t = sqlTypes(db.dialect);
    await db.write((q) => q.run(`CREATE TABLE counter (id INTEGER PRIMARY KEY, n ${t.bigint} NOT NULL)`));
    await db.write((q) => q.run('INSERT INTO counter (id, n) VALUES (1, 0)'));
    const bump = () =>
      db.write(async (q) => {
        const row = await q.get<{ n: number | string }>(`SELECT n FROM counter WHERE id = 1${lockRows(db.dialect, 'update')}`);
        await new Promise((r) => setTimeout(r, 5));
        await q.run('UPDATE counter SET n = ? WHERE id = 1', [Number(row?.n) + 1]);
      });
    await Promise.all(Array.from({ length: 8 }, bump));
    expect(Number((await db.read((q) => q.get<{ n: number }>('SELECT n FROM counter WHERE id = 1')))?.n)).toBe(8);
  });

  test('two writers racing to insert the same new row both end cleanly (the loser re-runs and sees the row)', async () => {
    const other = await open();
    const upsert = (handle: Db) =>
      handle.write(async (q) => {
        const existing = await q.get<{ id: number }>('SELECT id FROM thing WHERE name = ?', ['raced']);
        if (existing) return 'found';
        await new Promise((r) => setTimeout(r, 20));
        await q.run('INSERT INTO thing (name) VALUES (?)', ['raced']);
        return 'inserted';
      });
    const outcomes = await Promise.all([upsert(db), upsert(other)]);
    expect(outcomes.sort()).toEqual(['found', 'inserted']);
  });

  test('a ? inside a quoted literal is text, not a placeholder', async () => {
    await db.write((q) => q.run('INSERT INTO thing (name, doc) VALUES (?, \'{"q": "why?"}\')', ['quoted']));
    const row = await db.read((q) =>
      q.get<{ doc: unknown }>("SELECT doc FROM thing WHERE name = ? AND 'a?b' = 'a?b'", ['quoted']),
    );
    const doc = typeof row?.doc === 'string' ? JSON.parse(row.doc) : row?.doc;
    expect(doc).toEqual({ q: 'why?' });
  });

  test('jsonFieldIn matches a top-level JSON field against any of several values', async () => {
    await db.write(async (q) => {
      for (const [name, doc] of [
        ['p22', { port: 22, os: 'linux' }],
        ['p80', { port: 80, os: 'linux' }],
        ['s22', { port: '22' }],
      ] as const) {
        await q.run('INSERT INTO thing (name, doc) VALUES (?, ?)', [name, JSON.stringify(doc)]);
      }
    });
    const match = jsonFieldIn(db.dialect, 'doc', 'port', [22, '22']);
    const rows = await db.read((q) =>
      q.all<{ name: string }>(`SELECT name FROM thing WHERE ${match.sql} ORDER BY name`, match.params),
    );
    expect(rows.map((r) => r.name)).toEqual(['p22', 's22']);
  });

  test('LIKE with escapeLike matches % and _ literally', async () => {
    await db.write(async (q) => {
      for (const name of ['100%_sure', '100 sure', '100x_sure']) await q.run('INSERT INTO thing (name) VALUES (?)', [name]);
    });
    const rows = await db.read((q) =>
      q.all<{ name: string }>("SELECT name FROM thing WHERE name LIKE ? ESCAPE '\\'", [`%${escapeLike('%_')}%`]),
    );
    expect(rows.map((r) => r.name)).toEqual(['100%_sure']);
    expect(placeholders(3)).toBe('?, ?, ?');
  });

  describe('migrate', () => {
    const spec = (steps: (readonly string[])[]) => ({ name: 'contract', steps });
    const v1 = ['CREATE TABLE m1 (id INTEGER PRIMARY KEY)'];
    const v2 = ['CREATE TABLE m2 (id INTEGER PRIMARY KEY)', 'INSERT INTO m2 (id) VALUES (7)'];

    test('applies each step once, records versions, and a second run is a no-op', async () => {
      expect(await migrate(db, spec([v1]))).toBe(1);
      expect(await migrate(db, spec([v1]))).toBe(1);
      expect(await migrate(db, spec([v1, v2]))).toBe(2);
      expect(await migrate(db, spec([v1, v2]))).toBe(2);
      const versions = await db.read((q) =>
        q.all<{ version: number }>('SELECT version FROM contract_schema_version ORDER BY version'),
      );
      expect(versions.map((r) => Number(r.version))).toEqual([1, 2]);
      expect(await db.read((q) => q.all('SELECT id FROM m2'))).toEqual([{ id: 7 }]);
    });

    test('a failing step leaves no step of its run applied', async () => {
      await expect(migrate(db, spec([v1, ['CREATE TABLE m2 (id INTEGER PRIMARY KEY)', 'THIS IS NOT SQL']]))).rejects.toThrow();
      await expect(db.read((q) => q.all('SELECT * FROM m1'))).rejects.toThrow();
      expect(await migrate(db, spec([v1]))).toBe(1);
    });

    test('processes migrating at the same time apply each step once', async () => {
      const others = await Promise.all([open(), open(), open()]);
      const versions = await Promise.all([db, ...others].map((handle) => migrate(handle, spec([v1, v2]))));
      expect(versions).toEqual([2, 2, 2, 2]);
      expect(await db.read((q) => q.all('SELECT id FROM m2'))).toEqual([{ id: 7 }]);
    });

    test('function steps get the transaction and the dialect; a newer schema than known is left alone', async () => {
      const seen: string[] = [];
      await migrate(db, {
        name: 'fn',
        steps: [
          async (q, d) => {
            seen.push(d);
            await q.run(`CREATE TABLE f (at ${sqlTypes(d).bigint})`);
          },
        ],
      });
      expect(seen).toEqual([db.dialect]);
      expect(await migrate(db, { name: 'fn', steps: [] })).toBe(1);
    });

    test('optional statements that fail are reported and skip the rest; the required steps stay', async () => {
      const failures: string[] = [];
      await migrate(db, {
        name: 'opt',
        steps: [v1],
        optional: ['CREATE INDEX never ON no_such_table (x)', 'CREATE INDEX m1_id ON m1 (id)'],
        onOptionalFailure: (statement) => failures.push(statement),
      });
      expect(failures).toEqual(['CREATE INDEX never ON no_such_table (x)']);
      expect(await db.read((q) => q.all('SELECT * FROM m1'))).toEqual([]);
    });
  });
});

describe('connection from configuration', () => {
  test('unset: <dataDir>/<defaultFile>; relative paths under the data directory; absolute and sqlite: forms', () => {
    expect(locateDatabase({ dataDir: '/data', defaultFile: 'notify.sqlite' })).toEqual({
      dialect: 'sqlite',
      file: '/data/notify.sqlite',
    });
    expect(locateDatabase({ url: 'sub/n.db', dataDir: '/data', defaultFile: 'x' })).toEqual({
      dialect: 'sqlite',
      file: '/data/sub/n.db',
    });
    expect(locateDatabase({ url: 'sqlite:///var/n.db', dataDir: '/data', defaultFile: 'x' })).toEqual({
      dialect: 'sqlite',
      file: '/var/n.db',
    });
    expect(locateDatabase({ url: 'sqlite:n.db', dataDir: '/data', defaultFile: 'x' })).toEqual({
      dialect: 'sqlite',
      file: '/data/n.db',
    });
    expect(locateDatabase({ url: 'sqlite::memory:', dataDir: '/data', defaultFile: 'x' })).toEqual({
      dialect: 'sqlite',
      file: ':memory:',
    });
  });

  test('a postgres URL keeps its password out of the label and registers it with the redactor', async () => {
    const location = locateDatabase({
      url: 'postgresql://app:s3cr3t-Passw0rd@db.internal:5433/notify',
      dataDir: '/d',
      defaultFile: 'x',
    });
    expect(location).toEqual({
      dialect: 'postgres',
      url: 'postgresql://app:s3cr3t-Passw0rd@db.internal:5433/notify',
      label: 'postgres db.internal:5433/notify',
    });
    const redactor = createRedactor();
    const db = await openDb({
      url: 'postgres://app:s3cr3t-Passw0rd@127.0.0.1:1/none',
      dataDir: '/d',
      defaultFile: 'x',
      redactor,
    });
    expect(redactor.redactString('password s3cr3t-Passw0rd here')).not.toContain('s3cr3t-Passw0rd');
    await db.close();
  });

  test('databaseUrl() accepts the forms openDb understands and refuses other schemes', () => {
    const schema = databaseUrl();
    for (const ok of [
      'postgres://u@h/db',
      'postgresql://h:5432/db',
      'sqlite:x.db',
      'sqlite:///abs/x.db',
      '/abs/file.sqlite',
      'rel.db',
    ]) {
      expect(schema.safeParse(ok).success).toBe(true);
    }
    for (const bad of ['mysql://h/db', 'sqlite:', '', 'http://x']) expect(schema.safeParse(bad).success).toBe(false);
  });

  test('an unreachable PostgreSQL is DEPENDENCY_UNAVAILABLE (reads, writes, ping), and the process does not crash', async () => {
    const db = await openDb({ url: 'postgres://postgres@127.0.0.1:1/none', dataDir: '/d', defaultFile: 'x', poolSize: 1 });
    for (const attempt of [() => db.read((q) => q.get('SELECT 1')), () => db.write((q) => q.run('SELECT 1')), () => db.ping()]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).code).toBe('DEPENDENCY_UNAVAILABLE');
    }
    await db.close();
  });

  test('placeholders are numbered outside literals, identifiers and comments', () => {
    expect(numbered(`SELECT ? , '?', "a?", x -- what?\n, ?`)).toBe(`SELECT $1 , '?', "a?", x -- what?\n, $2`);
  });
});
