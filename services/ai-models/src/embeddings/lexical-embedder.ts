import type { CallOptions, EmbeddingProvider, EmbeddingResult } from '../providers/types.ts';
import { hash32, words } from './tokenize.ts';

/** Weights of the three feature families: whole words, adjacent word pairs, character trigrams of each word. */
const WORD = 1;
const PAIR = 0.5;
const TRIGRAM = 0.3;

function add(vector: Float32Array, feature: string, weight: number): void {
  const h = hash32(feature);
  // Signed feature hashing: the sign from a bit the bucket index does not use, so collisions cancel on average.
  const sign = (hash32(`s${feature}`) & 1) === 0 ? 1 : -1;
  const index = h % vector.length;
  vector[index] = (vector[index] ?? 0) + sign * weight;
}

/**
 * The lexical embedder: a deterministic vector of hashed word, word-pair and character-trigram counts (sublinear
 * term frequency, L2-normalised). Texts that share words or spellings land near each other; texts that mean the
 * same thing in other words do not. It is not a semantic model and is never presented as one.
 */
export function lexicalVector(text: string, dimensions: number): Float32Array {
  const counts = new Map<string, number>();
  const bump = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
  const tokens = words(text);
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i] as string;
    bump(`w:${word}`, WORD);
    if (i + 1 < tokens.length) bump(`p:${word} ${tokens[i + 1]}`, PAIR);
    const padded = `#${word}#`;
    for (let j = 0; j + 3 <= padded.length; j++) bump(`c:${padded.slice(j, j + 3)}`, TRIGRAM);
  }
  const vector = new Float32Array(dimensions);
  for (const [feature, count] of counts) {
    const weight = feature.startsWith('w:') ? WORD : feature.startsWith('p:') ? PAIR : TRIGRAM;
    add(vector, feature, weight * (1 + Math.log(count / weight)));
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}

export function createLexicalEmbedder(): EmbeddingProvider {
  return {
    maxBatch: 10_000,
    async embed(_model: string, texts: string[], dimensions: number, _call: CallOptions): Promise<EmbeddingResult> {
      return { vectors: texts.map((t) => lexicalVector(t, dimensions)), inputTokens: 0, usageEstimated: false };
    },
  };
}
