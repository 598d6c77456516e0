import { createHash } from 'node:crypto';

/** A stable point id for a document chunk, in the UUID form Qdrant requires (name-based, like UUID v5). */
export function pointId(docId: string, chunk: number): string {
  const h = createHash('sha256').update(`${docId}\u0000${chunk}`).digest('hex');
  const variant = ((Number.parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
