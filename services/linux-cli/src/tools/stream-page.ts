import { ToolError, z } from '@switchboard/shared';
import type { CaptureBuffer } from '../exec/capture-buffer.ts';
import { type PageEncoding, textPage } from '../exec/text-page.ts';

export const streamSchema = z.enum(['stdout', 'stderr']).default('stdout');
export const encodingSchema = z.enum(['utf8', 'base64']).default('utf8').describe('utf8 text (default) or base64 bytes');

export const pageShape = {
  offset: z.number().int().min(0).default(0).describe('Byte offset to read from (a previous nextOffset)'),
  length: z.number().int().min(1).optional().describe('Bytes to read (default and maximum: the page size)'),
  encoding: encodingSchema,
};

/** The page size a read may ask for: the configured page, never more than fits under the output cap. */
export function pageLimit(pageBytes: number, outputCapBytes: number, requested: number | undefined): number {
  const max = Math.max(256, Math.min(pageBytes, Math.floor(outputCapBytes * 0.8)));
  return Math.min(requested ?? max, max);
}

export function readStreamPage(
  buffer: CaptureBuffer,
  offset: number,
  maxBytes: number,
  encoding: PageEncoding,
  outputCapBytes: number,
) {
  if (offset > buffer.total) {
    throw new ToolError('INVALID_ARGUMENT', `offset ${offset} is past the end of the output (${buffer.total} bytes)`);
  }
  const page = textPage(buffer, offset, maxBytes, Math.floor(outputCapBytes * 0.8), encoding);
  return {
    offset: page.offset,
    nextOffset: page.nextOffset,
    data: page.text,
    skippedBytes: page.offset - offset,
    capturedEnd: buffer.end,
    totalBytes: buffer.total,
  };
}
