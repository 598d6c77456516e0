import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ToolError } from '@switchboard/shared';
import { type Db, migrate, openDb } from '@switchboard/shared/sql';
import { createTestDatabase, type TestDatabase } from '@switchboard/shared/testing';
import { aiMigrations } from '../src/storage/migrations.ts';
import { EmbeddedVectorStore } from '../src/vectors/embedded-store.ts';
import { pointId } from '../src/vectors/point-id.ts';
import { QdrantVectorStore } from '../src/vectors/qdrant-store.ts';
import { documentSparse, querySparse } from '../src/vectors/sparse.ts';
import type { MetadataValue, PointInput, VectorStore } from '../src/vectors/vector-store.ts';
import { type QdrantFixture, startQdrantFixture } from './fixtures/qdrant-fixture.ts';

interface Backend {
  store: VectorStore;
  close(): Promise<void>;
}

const REAL_QDRANT = process.env.SWITCHBOARD_TEST_QDRANT_URL;

const backends: [string, () => Promise<Backend>][] = [
  ...(['sqlite', 'postgres'] as const).map(
    (dialect) =>
      [
        `embedded store on ${dialect}`,
        async () => {
          const database: TestDatabase = await createTestDatabase(dialect, 'ai_vectors');
          const db: Db = await openDb({ url: database.url, dataDir: '/unused', defaultFile: 'x.sqlite' });
          await migrate(db, aiMigrations(db.dialect));
          return {
            store: new EmbeddedVectorStore(db),
            close: async () => {
              await db.close();
              await database.destroy();
            },
          };
        },
      ] as [string, () => Promise<Backend>],
  ),
  [
    'Qdrant (REST fixture, @qdrant/js-client-rest)',
    async () => {
      const fixture: QdrantFixture = await startQdrantFixture({ apiKey: 'qdrant-fixture-key-0123456789' });
      return { store: new QdrantVectorStore({ url: fixture.url, apiKey: fixture.apiKey }), close: () => fixture.close() };
    },
  ],
  ...(REAL_QDRANT
    ? [
        [
          'Qdrant (real server at SWITCHBOARD_TEST_QDRANT_URL)',
          async () => ({ store: new QdrantVectorStore({ url: REAL_QDRANT }), close: async () => {} }),
        ] as [string, () => Promise<Backend>],
      ]
    : []),
];

function point(
  docId: string,
  chunk: number,
  vector: number[],
  text: string,
  metadata: Record<string, MetadataValue> = {},
): PointInput {
  return {
    id: pointId(docId, chunk),
    docId,
    chunk,
    text,
    metadata,
    vector: Float32Array.from(vector),
    sparse: documentSparse(text),
  };
}

const CORPUS: PointInput[] = [
  point('north', 0, [1, 0, 0, 0], 'cold winds from the north', { team: 'ops', year: 2023, tags: ['weather', 'north'] }),
  point('east', 0, [0.8, 0.6, 0, 0], 'sunrise over the east coast', { team: 'ops', year: 2024, tags: ['weather'] }),
  point('south', 0, [0, 1, 0, 0], 'warm rain in the south', { team: 'payments', year: 2025 }),
  point('west', 0, [0, 0, 1, 0], 'error E4711 in the west datacenter', { team: 'payments', year: 2025, open: true }),
  point('up', 0, [0, 0, 0, 1], 'balloons drift up', { team: 'infra', year: 2022 }),
];

describe.each(backends)('vector store contract: %s', (_name, make) => {
  let backend: Backend;
  let store: VectorStore;
  const c = `contract_${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    backend = await make();
    store = backend.store;
    for (const name of [c, `${c}_dot`, `${c}_euclid`]) await store.deleteCollection(name);
  });

  afterAll(async () => {
    for (const name of [c, `${c}_dot`, `${c}_euclid`]) await store?.deleteCollection(name).catch(() => {});
    await backend?.close();
  });

  test('collections: create, describe, list, refuse a duplicate, unknown is NOT_FOUND', async () => {
    expect(
      await store.createCollection({ name: c, dimension: 4, distance: 'cosine', embeddingModel: 'test-embed' }),
    ).toMatchObject({ name: c, points: 0 });
    await expect(
      store.createCollection({ name: c, dimension: 4, distance: 'cosine', embeddingModel: 'test-embed' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.getCollection(c)).toEqual({
      name: c,
      dimension: 4,
      distance: 'cosine',
      embeddingModel: 'test-embed',
      points: 0,
    });
    expect((await store.listCollections()).map((x) => x.name)).toContain(c);
    expect(await store.getCollection(`${c}_missing`)).toBeUndefined();
    await expect(store.search(`${c}_missing`, Float32Array.from([1, 0, 0, 0]), { limit: 1 })).rejects.toBeInstanceOf(ToolError);
  });

  test('upsert, then cosine search ranks by similarity and honours the score threshold', async () => {
    await store.upsert(
      c,
      CORPUS,
      CORPUS.map((p) => p.docId),
    );
    expect((await store.getCollection(c))?.points).toBe(5);
    const hits = await store.search(c, Float32Array.from([1, 0.1, 0, 0]), { limit: 3 });
    expect(hits.map((h) => h.docId)).toEqual(['north', 'east', 'south']);
    expect(hits[0]).toMatchObject({ chunk: 0, text: 'cold winds from the north', metadata: { team: 'ops', year: 2023 } });
    expect(hits[0]?.score).toBeCloseTo(1 / Math.sqrt(1.01), 4);
    const close = await store.search(c, Float32Array.from([1, 0.1, 0, 0]), { limit: 5, scoreThreshold: 0.5 });
    expect(close.map((h) => h.docId)).toEqual(['north', 'east']);
  });

  test('metadata filters: equality, any-of, not, numeric range, array membership', async () => {
    const q = Float32Array.from([1, 1, 1, 1]);
    const ids = async (filter: Record<string, unknown>) =>
      (await store.search(c, q, { limit: 10, filter: filter as never })).map((h) => h.docId).sort();
    expect(await ids({ team: 'payments' })).toEqual(['south', 'west']);
    expect(await ids({ team: { in: ['infra', 'ops'] } })).toEqual(['east', 'north', 'up']);
    expect(await ids({ team: { not: 'ops' } })).toEqual(['south', 'up', 'west']);
    expect(await ids({ year: { gte: 2024, lt: 2025 } })).toEqual(['east']);
    expect(await ids({ tags: 'weather', year: { lte: 2023 } })).toEqual(['north']);
    expect(await ids({ open: true })).toEqual(['west']);
  });

  test('hybrid search puts an exact rare term first even when its vector is far', async () => {
    const hits = await store.hybrid(c, Float32Array.from([1, 0, 0, 0]), querySparse('E4711'), {
      limit: 3,
      candidates: 5,
      rrfK: 60,
    });
    expect(hits[0]?.docId).toBe('west');
    expect(hits.map((h) => h.docId)).toContain('north');
    const filtered = await store.hybrid(c, Float32Array.from([1, 0, 0, 0]), querySparse('E4711 north'), {
      limit: 5,
      candidates: 5,
      rrfK: 60,
      filter: { team: 'ops' },
    });
    expect(filtered.map((h) => h.docId).sort()).toEqual(['east', 'north']);
  });

  test('re-upserting a document replaces all its chunks; deleteDocuments by id and by filter', async () => {
    const long = [0, 1, 2].map((i) => point('doc-long', i, [0, 0, 0.5, 0.5 + i], `part ${i}`, { kind: 'long' }));
    await store.upsert(c, long, ['doc-long']);
    expect((await store.getCollection(c))?.points).toBe(8);
    await store.upsert(c, [point('doc-long', 0, [0, 0, 0.5, 0.5], 'only part', { kind: 'long' })], ['doc-long']);
    expect((await store.getCollection(c))?.points).toBe(6);
    const [first] = await store.search(c, Float32Array.from([0, 0, 0.5, 0.5]), { limit: 1, filter: { kind: 'long' } });
    expect(first?.text).toBe('only part');
    expect(await store.deleteDocuments(c, ['doc-long'], undefined)).toBe(1);
    expect(await store.deleteDocuments(c, undefined, { team: 'payments' })).toBe(2);
    expect(await store.deleteDocuments(c, ['nothing-here'], undefined)).toBe(0);
    expect((await store.getCollection(c))?.points).toBe(3);
  });

  test('dot and euclid distances: euclid ranks by smallest distance and its threshold is a maximum', async () => {
    await store.createCollection({ name: `${c}_dot`, dimension: 2, distance: 'dot', embeddingModel: 'test-embed' });
    await store.upsert(`${c}_dot`, [point('a', 0, [1, 0], 'a'), point('b', 0, [3, 0], 'b')], ['a', 'b']);
    expect((await store.search(`${c}_dot`, Float32Array.from([1, 0]), { limit: 2 })).map((h) => [h.docId, h.score])).toEqual([
      ['b', 3],
      ['a', 1],
    ]);
    await store.createCollection({ name: `${c}_euclid`, dimension: 2, distance: 'euclid', embeddingModel: 'test-embed' });
    await store.upsert(`${c}_euclid`, [point('near', 0, [1, 1], 'near'), point('far', 0, [5, 5], 'far')], ['near', 'far']);
    const hits = await store.search(`${c}_euclid`, Float32Array.from([0, 0]), { limit: 2 });
    expect(hits.map((h) => h.docId)).toEqual(['near', 'far']);
    expect(hits[0]?.score).toBeCloseTo(Math.SQRT2, 4);
    expect(
      (await store.search(`${c}_euclid`, Float32Array.from([0, 0]), { limit: 2, scoreThreshold: 2 })).map((h) => h.docId),
    ).toEqual(['near']);
  });

  test('a vector of the wrong dimension is refused; deleting a collection removes it', async () => {
    await expect(store.upsert(c, [point('bad', 0, [1, 2, 3], 'bad')], ['bad'])).rejects.toBeInstanceOf(ToolError);
    expect(await store.deleteCollection(`${c}_dot`)).toBe(true);
    expect(await store.deleteCollection(`${c}_dot`)).toBe(false);
    expect(await store.getCollection(`${c}_dot`)).toBeUndefined();
  });
});
