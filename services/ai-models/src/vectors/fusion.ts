/** Reciprocal rank fusion: each list adds 1 / (k + rank) for an item, ranks counted from 1. */
export function reciprocalRankFusion<T>(lists: T[][], keyOf: (item: T) => string, k: number): { item: T; score: number }[] {
  const fused = new Map<string, { item: T; score: number }>();
  for (const list of lists) {
    list.forEach((item, index) => {
      const key = keyOf(item);
      const entry = fused.get(key) ?? { item, score: 0 };
      entry.score += 1 / (k + index + 1);
      fused.set(key, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}
