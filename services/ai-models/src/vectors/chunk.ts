/**
 * Splits a document into chunks of at most `maxChars`, cutting at a paragraph break, else a sentence end, else a
 * space, so a chunk rarely ends mid-word. Short documents are one chunk.
 */
export function chunkText(text: string, maxChars: number): string[] {
  const clean = text.replace(/\r\n?/g, '\n').trim();
  if (clean.length <= maxChars) return clean.length > 0 ? [clean] : [];
  const chunks: string[] = [];
  let rest = clean;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars + 1);
    const floor = Math.floor(maxChars / 2);
    const cut = [
      window.lastIndexOf('\n\n'),
      Math.max(window.lastIndexOf('. '), window.lastIndexOf('.\n')) + 1,
      window.lastIndexOf(' '),
    ].find((i) => i >= floor);
    const at = cut ?? maxChars;
    chunks.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks.filter((c) => c.length > 0);
}
