import type { CaptureBuffer } from './capture-buffer.ts';

export type PageEncoding = 'utf8' | 'base64';

export interface TextPage {
  offset: number;
  nextOffset: number;
  text: string;
}

/** Where to cut a UTF-8 buffer at or before `end` without splitting a character. */
export function utf8Boundary(data: Buffer, end: number): number {
  if (end >= data.length) return data.length;
  let cut = end;
  while (cut > 0 && ((data[cut] as number) & 0xc0) === 0x80) cut -= 1;
  return cut === 0 ? end : cut;
}

/**
 * A page of captured output as text: at most `maxBytes` bytes, cut on a character boundary, and small enough that
 * its JSON form stays within `jsonBudget` characters (newlines escape to two, control characters to six), so the
 * result is never cut by the output cap in the middle.
 */
export function textPage(
  buffer: CaptureBuffer,
  offset: number,
  maxBytes: number,
  jsonBudget: number,
  encoding: PageEncoding = 'utf8',
): TextPage {
  let budget = Math.max(1, maxBytes);
  for (;;) {
    const bytes = budget;
    const { offset: from, data } = buffer.slice(offset, encoding === 'base64' ? bytes : bytes + 3);
    const cut = encoding === 'base64' ? data.length : utf8Boundary(data, Math.min(bytes, data.length));
    const chunk = data.subarray(0, cut);
    const text = encoding === 'base64' ? chunk.toString('base64') : chunk.toString('utf8');
    if (JSON.stringify(text).length <= jsonBudget || budget <= 64) {
      return { offset: from, nextOffset: from + chunk.length, text };
    }
    budget = Math.floor(budget / 2);
  }
}
