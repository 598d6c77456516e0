import { termFrequencies } from '../embeddings/tokenize.ts';

/** A sparse vector as Qdrant takes it: term ids and weights, ids ascending. */
export interface SparseVector {
  indices: number[];
  values: number[];
}

/** Term-frequency saturation (BM25's k1): the tenth repeat of a word adds little. */
const K1 = 1.2;

/** A document's keyword vector: saturated term frequencies. IDF is applied at query time by the store. */
export function documentSparse(text: string): SparseVector {
  const entries = [...termFrequencies(text)].sort((a, b) => a[0] - b[0]);
  return { indices: entries.map((e) => e[0]), values: entries.map(([, tf]) => (tf * (K1 + 1)) / (tf + K1)) };
}

/** A query's keyword vector: each distinct term once. */
export function querySparse(text: string): SparseVector {
  const ids = [...termFrequencies(text).keys()].sort((a, b) => a - b);
  return { indices: ids, values: ids.map(() => 1) };
}

/** Qdrant's IDF modifier: ln(((N - n + 0.5) / (n + 0.5)) + 1) for a term in n of N points. */
export function idf(points: number, containing: number): number {
  return Math.log((points - containing + 0.5) / (containing + 0.5) + 1);
}
