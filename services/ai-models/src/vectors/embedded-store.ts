import { ToolError } from '@switchboard/shared';
import { type Db, placeholders, type Queryable } from '@switchboard/shared/sql';
import { type MetadataFilter, matches } from './filter.ts';
import { reciprocalRankFusion } from './fusion.ts';
import { MemoryIndex } from './memory-index.ts';
import type { SparseVector } from './sparse.ts';
import type {
  CollectionInfo,
  CollectionSpec,
  Distance,
  Hit,
  HybridOptions,
  PointInput,
  SearchOptions,
  VectorStore,
} from './vector-store.ts';

interface CollectionRow {
  name: string;
  dimension: number | string;
  distance: Distance;
  embedding_model: string | null;
  version: number | string;
}

interface PointRow {
  id: string;
  doc_id: string;
  chunk: number | string;
  text: string;
  metadata: string;
  vector: Uint8Array;
}

function toBytes(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}

function fromBytes(bytes: Uint8Array): Float32Array {
  // Copied: the driver's buffer may be shared or unaligned.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/**
 * The embedded vector store: collections and points in the service's SQL database (SQLite by default, so `pnpm start`
 * has vector search with no server), searched exactly in memory. Each collection has a version bumped by every
 * write, so a replica sharing a PostgreSQL database reloads a collection another replica changed.
 */
export class EmbeddedVectorStore implements VectorStore {
  readonly kind = 'embedded' as const;
  readonly #db: Db;
  readonly #indexes = new Map<string, { version: number; index: MemoryIndex }>();

  constructor(db: Db) {
    this.#db = db;
  }

  async #row(q: Queryable, name: string): Promise<CollectionRow | undefined> {
    return q.get<CollectionRow>('SELECT name, dimension, distance, embedding_model, version FROM ai_collection WHERE name = ?', [
      name,
    ]);
  }

  async #require(q: Queryable, name: string): Promise<CollectionRow> {
    const row = await this.#row(q, name);
    if (!row) throw new ToolError('NOT_FOUND', `collection "${name}" does not exist`);
    return row;
  }

  async #index(name: string): Promise<MemoryIndex> {
    return this.#db.read(async (q) => {
      const row = await this.#require(q, name);
      const version = Number(row.version);
      const held = this.#indexes.get(name);
      if (held && held.version === version) return held.index;
      const index = new MemoryIndex(Number(row.dimension), row.distance);
      const points = await q.all<PointRow>(
        'SELECT id, doc_id, chunk, text, metadata, vector FROM ai_point WHERE collection = ?',
        [name],
      );
      for (const p of points) {
        index.put({
          id: p.id,
          docId: p.doc_id,
          chunk: Number(p.chunk),
          text: p.text,
          metadata: JSON.parse(p.metadata),
          vector: fromBytes(p.vector),
        });
      }
      this.#indexes.set(name, { version, index });
      return index;
    });
  }

  #info(row: CollectionRow, points: number): CollectionInfo {
    return {
      name: row.name,
      dimension: Number(row.dimension),
      distance: row.distance,
      embeddingModel: row.embedding_model,
      points,
    };
  }

  async createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    await this.#db.write(async (q) => {
      if (await this.#row(q, spec.name)) throw new ToolError('CONFLICT', `collection "${spec.name}" already exists`);
      await q.run(
        'INSERT INTO ai_collection (name, dimension, distance, embedding_model, version, created_at) VALUES (?, ?, ?, ?, 0, ?)',
        [spec.name, spec.dimension, spec.distance, spec.embeddingModel, Date.now()],
      );
    });
    this.#indexes.set(spec.name, { version: 0, index: new MemoryIndex(spec.dimension, spec.distance) });
    return { ...spec, points: 0 };
  }

  async getCollection(name: string, options: { count?: boolean } = {}): Promise<CollectionInfo | undefined> {
    return this.#db.read(async (q) => {
      const row = await this.#row(q, name);
      if (!row) return undefined;
      if (options.count === false) return this.#info(row, 0);
      const count = await q.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM ai_point WHERE collection = ?', [name]);
      return this.#info(row, Number(count?.n ?? 0));
    });
  }

  async listCollections(): Promise<CollectionInfo[]> {
    return this.#db.read(async (q) => {
      const rows = await q.all<CollectionRow & { n: number | string }>(
        `SELECT c.name, c.dimension, c.distance, c.embedding_model, c.version, COUNT(p.id) AS n FROM ai_collection c
         LEFT JOIN ai_point p ON p.collection = c.name GROUP BY c.name, c.dimension, c.distance, c.embedding_model, c.version ORDER BY c.name`,
      );
      return rows.map((r) => this.#info(r, Number(r.n)));
    });
  }

  async deleteCollection(name: string): Promise<boolean> {
    const removed = await this.#db.write(async (q) => {
      await q.run('DELETE FROM ai_point WHERE collection = ?', [name]);
      return q.run('DELETE FROM ai_collection WHERE name = ?', [name]);
    });
    this.#indexes.delete(name);
    return removed > 0;
  }

  /** Runs a write, bumping the collection's version; the held index is updated by `apply` when it was current. */
  async #mutate<T>(
    name: string,
    work: (q: Queryable, row: CollectionRow) => Promise<T>,
    apply: (index: MemoryIndex, result: T) => void,
  ): Promise<T> {
    const { result, version, before } = await this.#db.write(async (q) => {
      const row = await this.#require(q, name);
      const result = await work(q, row);
      await q.run('UPDATE ai_collection SET version = version + 1 WHERE name = ?', [name]);
      return { result, before: Number(row.version), version: Number(row.version) + 1 };
    });
    const held = this.#indexes.get(name);
    if (held && held.version === before) {
      apply(held.index, result);
      held.version = version;
    } else {
      this.#indexes.delete(name);
    }
    return result;
  }

  async upsert(collection: string, points: PointInput[], replaceDocs: string[]): Promise<void> {
    const incoming = new Set(points.map((p) => p.id));
    await this.#mutate(
      collection,
      async (q, row) => {
        const wrong = points.find((p) => p.vector.length !== Number(row.dimension));
        if (wrong) {
          throw new ToolError(
            'INVALID_ARGUMENT',
            `collection "${collection}" holds ${row.dimension}-dimensional vectors; got ${wrong.vector.length}`,
          );
        }
        for (let i = 0; i < replaceDocs.length; i += 500) {
          const docs = replaceDocs.slice(i, i + 500);
          await q.run(`DELETE FROM ai_point WHERE collection = ? AND doc_id IN (${placeholders(docs.length)})`, [
            collection,
            ...docs,
          ]);
        }
        for (const p of points) {
          await q.run(
            `INSERT INTO ai_point (collection, id, doc_id, chunk, text, metadata, vector) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (collection, id) DO UPDATE SET doc_id = excluded.doc_id, chunk = excluded.chunk, text = excluded.text,
               metadata = excluded.metadata, vector = excluded.vector`,
            [collection, p.id, p.docId, p.chunk, p.text, JSON.stringify(p.metadata), toBytes(p.vector)],
          );
        }
      },
      (index) => {
        const replaced = new Set(replaceDocs);
        index.remove((r) => replaced.has(r.docId) && !incoming.has(r.id));
        for (const p of points) index.put(p);
      },
    );
  }

  async deleteDocuments(collection: string, docIds: string[] | undefined, filter: MetadataFilter | undefined): Promise<number> {
    const index = await this.#index(collection);
    const wanted = docIds ? new Set(docIds) : undefined;
    const ids = index.idsWhere((docId, metadata) => (wanted ? wanted.has(docId) : true) && matches(filter, metadata));
    if (ids.length === 0) return 0;
    const gone = new Set(ids);
    return this.#mutate(
      collection,
      async (q) => {
        let removed = 0;
        for (let i = 0; i < ids.length; i += 500) {
          const part = ids.slice(i, i + 500);
          removed += await q.run(`DELETE FROM ai_point WHERE collection = ? AND id IN (${placeholders(part.length)})`, [
            collection,
            ...part,
          ]);
        }
        return removed;
      },
      (held) => {
        held.remove((r) => gone.has(r.id));
      },
    );
  }

  async search(collection: string, vector: Float32Array, options: SearchOptions): Promise<Hit[]> {
    const index = await this.#index(collection);
    if (vector.length !== index.dimension) {
      throw new ToolError(
        'INVALID_ARGUMENT',
        `collection "${collection}" holds ${index.dimension}-dimensional vectors; the query has ${vector.length}`,
      );
    }
    return index.search(vector, options.limit, options.scoreThreshold, options.filter);
  }

  async hybrid(collection: string, vector: Float32Array, sparse: SparseVector, options: HybridOptions): Promise<Hit[]> {
    const index = await this.#index(collection);
    const dense = index.search(vector, options.candidates, undefined, options.filter);
    const keyword = index.keywords(sparse, options.candidates, options.filter);
    return reciprocalRankFusion([dense, keyword], (h) => `${h.docId}\u0000${h.chunk}`, options.rrfK)
      .slice(0, options.limit)
      .map(({ item, score }) => ({ ...item, score }));
  }

  ping(): Promise<void> {
    return this.#db.ping();
  }

  async close(): Promise<void> {}
}
