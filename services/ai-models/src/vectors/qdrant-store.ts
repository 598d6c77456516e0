import { QdrantClient } from '@qdrant/js-client-rest';
import { ToolError } from '@switchboard/shared';
import { type MetadataFilter, toQdrantFilter } from './filter.ts';
import type { SparseVector } from './sparse.ts';
import type {
  CollectionInfo,
  CollectionSpec,
  Distance,
  Hit,
  HybridOptions,
  MetadataValue,
  PointInput,
  SearchOptions,
  VectorStore,
} from './vector-store.ts';

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string | undefined;
  timeoutMs?: number;
}

/** Named vectors in every collection this service creates: the embedding, and the keyword side of hybrid search. */
const DENSE = 'dense';
const KEYWORDS = 'keywords';
const MODEL_KEY = 'switchboard_embedding_model';

const TO_QDRANT: Record<Distance, 'Cosine' | 'Dot' | 'Euclid'> = { cosine: 'Cosine', dot: 'Dot', euclid: 'Euclid' };
const FROM_QDRANT: Record<string, Distance> = { Cosine: 'cosine', Dot: 'dot', Euclid: 'euclid' };

interface Payload {
  doc_id: string;
  chunk: number;
  text: string;
  metadata: Record<string, MetadataValue>;
}

function failure(error: unknown, what: string): ToolError {
  if (error instanceof ToolError) return error;
  const status = (error as { status?: unknown })?.status;
  const data = (error as { data?: { status?: { error?: string } } })?.data;
  const message = data?.status?.error ?? (error as Error)?.message ?? String(error);
  if (status === 404) return new ToolError('NOT_FOUND', `${what}: ${message}`);
  if (status === 409) return new ToolError('CONFLICT', `${what}: ${message}`);
  if (status === 400 || status === 422) return new ToolError('INVALID_ARGUMENT', `${what}: Qdrant says ${message}`);
  if (status === 401 || status === 403) {
    return new ToolError('DEPENDENCY_UNAVAILABLE', `${what}: Qdrant refused this service's API key`, { retryable: false });
  }
  if (status === 429) return new ToolError('RATE_LIMITED', `${what}: Qdrant is rate limiting: ${message}`);
  if ((error as Error)?.name === 'QdrantClientTimeoutError')
    return new ToolError('TIMEOUT', `${what}: Qdrant did not answer in time`);
  return new ToolError('DEPENDENCY_UNAVAILABLE', `${what}: Qdrant is unavailable (${message})`);
}

function hitOf(point: { score: number; payload?: Record<string, unknown> | null | undefined }): Hit {
  const payload = (point.payload ?? {}) as unknown as Payload;
  return {
    docId: payload.doc_id,
    chunk: payload.chunk,
    text: payload.text,
    metadata: payload.metadata ?? {},
    score: point.score,
  };
}

/** Qdrant through @qdrant/js-client-rest: named dense + sparse (IDF) vectors, query API with prefetch and RRF fusion. */
export class QdrantVectorStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  readonly #client: QdrantClient;

  constructor(options: QdrantStoreOptions) {
    this.#client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      timeout: options.timeoutMs ?? 30_000,
      checkCompatibility: false,
    });
  }

  async #run<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw failure(error, what);
    }
  }

  async createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    return this.#run(`createCollection ${spec.name}`, async () => {
      if ((await this.#client.collectionExists(spec.name)).exists) {
        throw new ToolError('CONFLICT', `collection "${spec.name}" already exists`);
      }
      await this.#client.createCollection(spec.name, {
        vectors: { [DENSE]: { size: spec.dimension, distance: TO_QDRANT[spec.distance] } },
        sparse_vectors: { [KEYWORDS]: { modifier: 'idf' } },
        metadata: { [MODEL_KEY]: spec.embeddingModel },
      });
      await this.#client.createPayloadIndex(spec.name, { field_name: 'doc_id', field_schema: 'keyword', wait: true });
      return { ...spec, points: 0 };
    });
  }

  async getCollection(name: string): Promise<CollectionInfo | undefined> {
    return this.#run(`getCollection ${name}`, async () => {
      if (!(await this.#client.collectionExists(name)).exists) return undefined;
      const info = await this.#client.getCollection(name);
      type Params = { size: number; distance: string };
      const vectors = info.config.params.vectors as unknown as Record<string, Params> | Params | undefined;
      const dense: Params | undefined =
        vectors && typeof vectors.size === 'number'
          ? (vectors as Params)
          : (vectors as Record<string, Params> | undefined)?.[DENSE];
      const metadata = (info.config as { metadata?: Record<string, unknown> | null }).metadata ?? {};
      return {
        name,
        dimension: Number(dense?.size ?? 0),
        distance: FROM_QDRANT[dense?.distance ?? 'Cosine'] ?? 'cosine',
        embeddingModel: typeof metadata[MODEL_KEY] === 'string' ? (metadata[MODEL_KEY] as string) : null,
        points: Number(info.points_count ?? 0),
      };
    });
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const names = await this.#run('listCollections', async () =>
      (await this.#client.getCollections()).collections.map((c) => c.name),
    );
    const out: CollectionInfo[] = [];
    for (const name of names.sort()) {
      const info = await this.getCollection(name);
      if (info) out.push(info);
    }
    return out;
  }

  async deleteCollection(name: string): Promise<boolean> {
    return this.#run(`deleteCollection ${name}`, async () => {
      if (!(await this.#client.collectionExists(name)).exists) return false;
      return this.#client.deleteCollection(name);
    });
  }

  async #require(name: string): Promise<void> {
    if (!(await this.#client.collectionExists(name)).exists)
      throw new ToolError('NOT_FOUND', `collection "${name}" does not exist`);
  }

  async upsert(collection: string, points: PointInput[], replaceDocs: string[]): Promise<void> {
    await this.#run(`upsert into ${collection}`, async () => {
      await this.#require(collection);
      for (let i = 0; i < points.length; i += 256) {
        await this.#client.upsert(collection, {
          wait: true,
          points: points.slice(i, i + 256).map((p) => ({
            id: p.id,
            vector: { [DENSE]: Array.from(p.vector), [KEYWORDS]: p.sparse },
            payload: { doc_id: p.docId, chunk: p.chunk, text: p.text, metadata: p.metadata },
          })),
        });
      }
      if (replaceDocs.length > 0) {
        // Chunks a shorter new version no longer has: that document's points other than the ones just written.
        await this.#client.delete(collection, {
          wait: true,
          filter: { must: [{ key: 'doc_id', match: { any: replaceDocs } }], must_not: [{ has_id: points.map((p) => p.id) }] },
        });
      }
    });
  }

  async deleteDocuments(collection: string, docIds: string[] | undefined, filter: MetadataFilter | undefined): Promise<number> {
    return this.#run(`deleteDocuments from ${collection}`, async () => {
      await this.#require(collection);
      const selector = toQdrantFilter(filter, docIds ? [{ key: 'doc_id', match: { any: docIds } }] : []) ?? { must: [] };
      const { count } = await this.#client.count(collection, { filter: selector, exact: true });
      if (count > 0) await this.#client.delete(collection, { wait: true, filter: selector });
      return count;
    });
  }

  async search(collection: string, vector: Float32Array, options: SearchOptions): Promise<Hit[]> {
    return this.#run(`search ${collection}`, async () => {
      const filter = toQdrantFilter(options.filter);
      const result = await this.#client.query(collection, {
        query: Array.from(vector),
        using: DENSE,
        limit: options.limit,
        with_payload: true,
        ...(filter ? { filter } : {}),
        ...(options.scoreThreshold !== undefined ? { score_threshold: options.scoreThreshold } : {}),
      });
      return result.points.map(hitOf);
    });
  }

  async hybrid(collection: string, vector: Float32Array, sparse: SparseVector, options: HybridOptions): Promise<Hit[]> {
    return this.#run(`hybridSearch ${collection}`, async () => {
      const filter = toQdrantFilter(options.filter);
      const result = await this.#client.query(collection, {
        prefetch: [
          { query: Array.from(vector), using: DENSE, limit: options.candidates, ...(filter ? { filter } : {}) },
          { query: sparse, using: KEYWORDS, limit: options.candidates, ...(filter ? { filter } : {}) },
        ],
        query: { rrf: { k: options.rrfK } },
        limit: options.limit,
        with_payload: true,
      });
      return result.points.map(hitOf);
    });
  }

  async ping(): Promise<void> {
    await this.#run('ping', () => this.#client.getCollections());
  }

  async close(): Promise<void> {}
}
