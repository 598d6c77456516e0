import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ToolError } from '@switchboard/shared';
import { checkedFile } from './file-source.ts';

export interface UploadInput {
  content?: string | undefined;
  contentBase64?: string | undefined;
  file?: string | undefined;
}

export interface UploadBody {
  bytes: Buffer;
  size: number;
  md5Hex: string;
  sha256Hex: string;
  /** Where the bytes came from, for the result (`text`, `base64`, or the file path). */
  source: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads exactly one of text, base64 or a file under the roots, within the upload cap. */
export async function uploadBody(input: UploadInput, roots: readonly string[], maxBytes: number): Promise<UploadBody> {
  const given = [input.content, input.contentBase64, input.file].filter((v) => v !== undefined).length;
  if (given !== 1) throw new ToolError('INVALID_ARGUMENT', 'give exactly one of content, contentBase64 or file');
  let bytes: Buffer;
  let source: string;
  if (input.content !== undefined) {
    bytes = Buffer.from(input.content, 'utf8');
    source = 'text';
  } else if (input.contentBase64 !== undefined) {
    const compact = input.contentBase64.replace(/\s+/g, '');
    if (!BASE64.test(compact) || compact.length % 4 !== 0)
      throw new ToolError('INVALID_ARGUMENT', 'contentBase64 is not valid base64');
    bytes = Buffer.from(compact, 'base64');
    source = 'base64';
  } else {
    const checked = await checkedFile(input.file as string, roots, maxBytes);
    bytes = await readFile(checked.path);
    source = checked.path;
  }
  if (bytes.length > maxBytes) {
    throw new ToolError(
      'INVALID_ARGUMENT',
      `the content is ${bytes.length} bytes, over the upload cap of ${maxBytes} (CLOUD_MAX_UPLOAD_BYTES)`,
    );
  }
  return {
    bytes,
    size: bytes.length,
    md5Hex: createHash('md5').update(bytes).digest('hex'),
    sha256Hex: createHash('sha256').update(bytes).digest('hex'),
    source,
  };
}
