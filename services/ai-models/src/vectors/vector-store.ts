import type { MetadataFilter } from './filter.ts';
import type { SparseVector } from './sparse.ts';

export type Distance = 'cosine' | 'dot' | 'euclid';

export type MetadataValue = string | number | boolean | (string | number | boolean)[];

export interface CollectionSpec {
  name: string;
  dimension: number;
  distance: Distance;
  embeddingModel: string;
}

export interface CollectionInfo {
  name: string;
  dimension: number;
  distance: Distance;
  /** The model documents and queries are embedded with; null for a collection created outside this service. */
  embeddingModel: string | null;
  points: number;
}

/** One stored chunk of a document. */
export interface PointInput {
  id: string;
  docId: string;
  chunk: number;
  text: string;
  metadata: Record<string, MetadataValue>;
  vector: Float32Array;
  sparse: SparseVector;
}

export interface Hit {
  docId: string;
  chunk: number;
  text: string;
  metadata: Record<string, MetadataValue>;
  /** Similarity (cosine, dot: higher is closer) or distance (euclid: lower is closer); the fused score for hybrid. */
  score: number;
}

export interface SearchOptions {
  limit: number;
  /** cosine/dot: the lowest score kept; euclid: the largest distance kept. */
  scoreThreshold?: number | undefined;
  filter?: MetadataFilter | undefined;
}

export interface HybridOptions {
  limit: number;
  filter?: MetadataFilter | undefined;
  /** How many candidates each side contributes before fusion. */
  candidates: number;
  /** The RRF constant: score = sum of 1 / (k + rank). */
  rrfK: number;
}

/** A vector database: Qdrant in production, the embedded SQL-backed store by default. Same contract for both. */
export interface VectorStore {
  readonly kind: 'embedded' | 'qdrant';
  createCollection(spec: CollectionSpec): Promise<CollectionInfo>;
  /** The collection; `points` is counted unless `count` is false (0 then: the search path needs no count). */
  getCollection(name: string, options?: { count?: boolean }): Promise<CollectionInfo | undefined>;
  listCollections(): Promise<CollectionInfo[]>;
  deleteCollection(name: string): Promise<boolean>;
  /** Stores points; the earlier chunks of every document in `replaceDocs` are removed in the same step. */
  upsert(collection: string, points: PointInput[], replaceDocs: string[]): Promise<void>;
  /** Removes documents by id, or every document matching the filter; returns the chunks removed. */
  deleteDocuments(collection: string, docIds: string[] | undefined, filter: MetadataFilter | undefined): Promise<number>;
  search(collection: string, vector: Float32Array, options: SearchOptions): Promise<Hit[]>;
  /** Dense and keyword (sparse, IDF-weighted) candidates fused by reciprocal rank fusion. */
  hybrid(collection: string, vector: Float32Array, sparse: SparseVector, options: HybridOptions): Promise<Hit[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
