import { lstat, readFile, realpath } from 'node:fs/promises';
import { basename, isAbsolute, resolve, sep } from 'node:path';
import { ToolError, z } from '@switchboard/shared';
import type { EmailAttachment } from './channels/channel.ts';

export const attachmentInput = z
  .object({
    filename: z
      .string()
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
      .regex(/^[^/\\\u0000-\u001f]{1,200}$/, 'a file name without slashes or control characters')
      .optional(),
    contentType: z
      .string()
      .regex(/^[a-z]+\/[a-z0-9.+-]+$/i)
      .optional(),
    contentBase64: z.string().max(20_000_000).optional().describe('The content, base64'),
    path: z.string().min(1).max(4096).optional().describe('A file under one of the configured attachment roots'),
  })
  .refine((a) => (a.contentBase64 === undefined) !== (a.path === undefined), 'give exactly one of contentBase64 or path');
export type AttachmentInput = z.infer<typeof attachmentInput>;

const TYPES: Record<string, string> = {
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  html: 'text/html',
  log: 'text/plain',
};

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** Resolves a path attachment: absolute, no NUL, inside a root both before and after following links, a regular file. */
async function readUnderRoots(path: string, roots: readonly string[]): Promise<Buffer> {
  if (path.includes('\0') || !isAbsolute(path)) throw new ToolError('POLICY_VIOLATION', 'an attachment path must be absolute');
  const normal = resolve(path);
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => resolve(r))));
  if (!roots.some((r) => within(normal, resolve(r))) && !realRoots.some((r) => within(normal, r))) {
    throw new ToolError('POLICY_VIOLATION', `${path} is outside the attachment roots`);
  }
  let real: string;
  try {
    real = await realpath(normal);
  } catch {
    throw new ToolError('NOT_FOUND', `no file ${path}`);
  }
  if (!realRoots.some((r) => within(real, r)))
    throw new ToolError('POLICY_VIOLATION', `${path} leads outside the attachment roots`);
  const stat = await lstat(real);
  if (!stat.isFile()) throw new ToolError('INVALID_ARGUMENT', `${path} is not a regular file`);
  return readFile(real);
}

/** Loads attachments at request time (stored with the message, so a retry sends the same bytes). */
export async function loadAttachments(
  inputs: readonly AttachmentInput[],
  roots: readonly string[],
  maxBytes: number,
): Promise<EmailAttachment[]> {
  let total = 0;
  const out: EmailAttachment[] = [];
  for (const input of inputs) {
    let content: Buffer;
    if (input.path !== undefined) {
      if (roots.length === 0)
        throw new ToolError('POLICY_VIOLATION', 'file attachments are off: no NOTIFY_ATTACHMENT_ROOTS configured');
      content = await readUnderRoots(input.path, roots);
    } else {
      const text = input.contentBase64 as string;
      if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(text)) throw new ToolError('INVALID_ARGUMENT', 'contentBase64 is not base64');
      content = Buffer.from(text, 'base64');
    }
    total += content.length;
    if (total > maxBytes) throw new ToolError('INVALID_ARGUMENT', `attachments exceed ${maxBytes} bytes in total`);
    const filename = input.filename ?? (input.path ? basename(input.path) : 'attachment.bin');
    const ext = filename.includes('.') ? filename.slice(filename.lastIndexOf('.') + 1).toLowerCase() : '';
    out.push({
      filename,
      contentType: input.contentType ?? TYPES[ext] ?? 'application/octet-stream',
      contentBase64: content.toString('base64'),
    });
  }
  return out;
}
