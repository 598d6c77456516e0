import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { defineTool, ToolError, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { utf8Boundary } from '../exec/text-page.ts';
import { resolveFilePath } from '../fs/file-paths.ts';
import { audited } from '../safety/audited.ts';
import { encodingSchema, pageLimit } from './stream-page.ts';

export const readFile = defineTool({
  name: 'readFile',
  title: 'Read a file',
  description:
    'Reads a byte range of a regular file inside the allowed roots (symbolic links followed, and the target must be inside too). At most the page size per call; continue from nextOffset.',
  input: z.object({
    path: z.string().min(1).max(4096).describe('Absolute, or relative to the first root'),
    offset: z.number().int().min(0).default(0),
    length: z.number().int().min(1).optional().describe('Bytes to read (default and maximum: maxReadBytes)'),
    encoding: encodingSchema,
  }),
  output: z.object({
    path: z.string(),
    size: z.number().int(),
    offset: z.number().int(),
    bytesRead: z.number().int(),
    nextOffset: z.number().int(),
    eof: z.boolean(),
    encoding: z.enum(['utf8', 'base64']),
    content: z.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  truncationHint: 'read a smaller byte range (length) and continue from nextOffset',
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'readFile', async (record) => {
      record.path = args.path;
      const file = await resolveFilePath(args.path, ctx.clients);
      record.path = file.path;
      if (!file.exists) throw new ToolError('NOT_FOUND', `${args.path} does not exist`);
      if (!file.stat?.isFile()) throw new ToolError('INVALID_ARGUMENT', `${args.path} is not a regular file`);
      const limit = pageLimit(ctx.config.maxReadBytes, ctx.config.outputCapBytes, args.length);
      const handle = await open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        const info = await handle.stat();
        if (!info.isFile() || info.ino !== file.stat.ino || info.dev !== file.stat.dev) {
          throw new ToolError('CONFLICT', `${args.path} changed while it was being opened; try again`);
        }
        let budget = limit;
        for (;;) {
          const want = budget;
          const buffer = Buffer.alloc(want + 3);
          const { bytesRead } = await handle.read(buffer, 0, want + 3, args.offset);
          const data = buffer.subarray(0, bytesRead);
          const cut = args.encoding === 'base64' ? Math.min(want, data.length) : utf8Boundary(data, Math.min(want, data.length));
          const chunk = data.subarray(0, cut);
          const content = args.encoding === 'base64' ? chunk.toString('base64') : chunk.toString('utf8');
          if (JSON.stringify(content).length > ctx.config.outputCapBytes * 0.8 && budget > 64) {
            budget = Math.floor(budget / 2);
            continue;
          }
          record.ran = true;
          const nextOffset = args.offset + chunk.length;
          return {
            path: file.path,
            size: info.size,
            offset: args.offset,
            bytesRead: chunk.length,
            nextOffset,
            eof: nextOffset >= info.size,
            encoding: args.encoding,
            content,
          };
        }
      } finally {
        await handle.close();
      }
    }),
});
