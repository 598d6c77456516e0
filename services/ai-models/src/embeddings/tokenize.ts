/**
 * Text to words for the lexical embedder and keyword search: Unicode-normalised, accents folded, lower-cased, split
 * on anything that is not a letter or digit. Deterministic across processes and machines.
 */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** FNV-1a over the UTF-16 code units, then a final avalanche (murmur3 fmix32) so low and high bits both mix. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Term frequencies of the words, keyed by a 32-bit term id (the keyword side of hybrid search). */
export function termFrequencies(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const word of words(text)) {
    const id = hash32(`t:${word}`);
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}
