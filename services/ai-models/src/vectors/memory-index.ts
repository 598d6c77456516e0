import { type MetadataFilter, matches } from './filter.ts';
import { documentSparse, idf, type SparseVector } from './sparse.ts';
import type { Distance, Hit, MetadataValue, PointInput } from './vector-store.ts';

interface Row {
  id: string;
  docId: string;
  chunk: number;
  text: string;
  metadata: Record<string, MetadataValue>;
  vector: Float32Array;
  sparse: SparseVector;
}

/** Cosine compares directions: vectors are normalised once on the way in (as Qdrant does), then it is a dot product. */
export function prepareVector(vector: Float32Array, distance: Distance): Float32Array {
  if (distance !== 'cosine') return vector;
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm === 0) return vector;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = (vector[i] as number) / norm;
  return out;
}

/** Keeps the best `limit` of a stream of scored rows (a small sorted buffer; k is small). */
class TopK {
  readonly #limit: number;
  readonly #ascending: boolean;
  readonly items: { row: Row; score: number }[] = [];

  constructor(limit: number, ascending: boolean) {
    this.#limit = limit;
    this.#ascending = ascending;
  }

  #better(a: number, b: number): boolean {
    return this.#ascending ? a < b : a > b;
  }

  offer(row: Row, score: number): void {
    const items = this.items;
    if (items.length === this.#limit && !this.#better(score, (items[items.length - 1] as { score: number }).score)) return;
    let i = items.length;
    while (i > 0 && this.#better(score, (items[i - 1] as { score: number }).score)) i--;
    items.splice(i, 0, { row, score });
    if (items.length > this.#limit) items.pop();
  }
}

/**
 * One collection held in memory for exact search: every vector in one typed array, the keyword postings, the
 * document frequencies for IDF. Built from the database on first use and kept in step with this process's writes.
 */
export class MemoryIndex {
  readonly dimension: number;
  readonly distance: Distance;
  #rows: Row[] = [];
  #byId = new Map<string, number>();
  #df = new Map<number, number>();

  constructor(dimension: number, distance: Distance) {
    this.dimension = dimension;
    this.distance = distance;
  }

  get size(): number {
    return this.#rows.length;
  }

  #count(sparse: SparseVector, delta: number): void {
    for (const term of sparse.indices) {
      const n = (this.#df.get(term) ?? 0) + delta;
      if (n <= 0) this.#df.delete(term);
      else this.#df.set(term, n);
    }
  }

  put(point: Omit<PointInput, 'sparse'> & { sparse?: SparseVector }): void {
    const row: Row = {
      ...point,
      vector: prepareVector(point.vector, this.distance),
      sparse: point.sparse ?? documentSparse(point.text),
    };
    const at = this.#byId.get(row.id);
    if (at !== undefined) {
      this.#count((this.#rows[at] as Row).sparse, -1);
      this.#rows[at] = row;
    } else {
      this.#byId.set(row.id, this.#rows.length);
      this.#rows.push(row);
    }
    this.#count(row.sparse, 1);
  }

  /** Removes the rows the predicate selects; returns how many. */
  remove(predicate: (row: Row) => boolean): number {
    const kept: Row[] = [];
    let removed = 0;
    for (const row of this.#rows) {
      if (predicate(row)) {
        removed++;
        this.#count(row.sparse, -1);
      } else kept.push(row);
    }
    if (removed > 0) {
      this.#rows = kept;
      this.#byId = new Map(kept.map((r, i) => [r.id, i]));
    }
    return removed;
  }

  idsWhere(predicate: (docId: string, metadata: Record<string, MetadataValue>) => boolean): string[] {
    return this.#rows.filter((r) => predicate(r.docId, r.metadata)).map((r) => r.id);
  }

  #score(a: Float32Array, b: Float32Array): number {
    if (this.distance === 'euclid') {
      let sum = 0;
      for (let i = 0; i < a.length; i++) {
        const d = (a[i] as number) - (b[i] as number);
        sum += d * d;
      }
      return Math.sqrt(sum);
    }
    let dot = 0;
    for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
    return dot;
  }

  search(query: Float32Array, limit: number, threshold: number | undefined, filter: MetadataFilter | undefined): Hit[] {
    const q = prepareVector(query, this.distance);
    const ascending = this.distance === 'euclid';
    const top = new TopK(limit, ascending);
    for (const row of this.#rows) {
      if (filter && !matches(filter, row.metadata)) continue;
      const score = this.#score(q, row.vector);
      if (threshold !== undefined && (ascending ? score > threshold : score < threshold)) continue;
      top.offer(row, score);
    }
    return top.items.map(({ row, score }) => hitOf(row, score));
  }

  /** Keyword search: sum over shared terms of IDF(term) x the document's saturated term frequency. */
  keywords(query: SparseVector, limit: number, filter: MetadataFilter | undefined): Hit[] {
    const n = this.#rows.length;
    const weights = new Map<number, number>();
    query.indices.forEach((term, i) => {
      const df = this.#df.get(term);
      if (df) weights.set(term, (query.values[i] as number) * idf(n, df));
    });
    const top = new TopK(limit, false);
    if (weights.size === 0) return [];
    for (const row of this.#rows) {
      let score = 0;
      const { indices, values } = row.sparse;
      for (let i = 0; i < indices.length; i++) {
        const w = weights.get(indices[i] as number);
        if (w !== undefined) score += w * (values[i] as number);
      }
      if (score <= 0 || (filter && !matches(filter, row.metadata))) continue;
      top.offer(row, score);
    }
    return top.items.map(({ row, score }) => hitOf(row, score));
  }
}

function hitOf(row: Row, score: number): Hit {
  return { docId: row.docId, chunk: row.chunk, text: row.text, metadata: row.metadata, score };
}
