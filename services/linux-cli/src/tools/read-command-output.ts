import { defineTool, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { audited } from '../safety/audited.ts';
import { pageLimit, pageShape, readStreamPage, streamSchema } from './stream-page.ts';

export const readCommandOutput = defineTool({
  name: 'readCommandOutput',
  title: 'Read more command output',
  description:
    'Pages through the captured stdout or stderr of a finished command (runCommand, runReadOnlyCommand, sshRunCommand) by byte offset. Outputs are kept for a while per caller; capture stops at the byte cap.',
  input: z.object({
    id: z.string().min(1).max(100).describe('The id a command returned'),
    stream: streamSchema,
    ...pageShape,
  }),
  output: z.object({
    id: z.string(),
    stream: z.enum(['stdout', 'stderr']),
    offset: z.number().int(),
    nextOffset: z.number().int(),
    data: z.string(),
    encoding: z.enum(['utf8', 'base64']),
    capturedBytes: z.number().int().describe('Bytes captured (at most the capture cap)'),
    totalBytes: z.number().int().describe('Bytes the command wrote in all'),
    eof: z.boolean().describe('True when nextOffset is the end of what was captured'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'readCommandOutput', async (record) => {
      record.outputId = args.id;
      const output = ctx.clients.outputs.get(args.id, ctx.caller.id);
      const buffer = args.stream === 'stdout' ? output.stdout : output.stderr;
      const page = readStreamPage(
        buffer,
        args.offset,
        pageLimit(ctx.config.pageBytes, ctx.config.outputCapBytes, args.length),
        args.encoding,
        ctx.config.outputCapBytes,
      );
      record.ran = true;
      return {
        id: args.id,
        stream: args.stream,
        offset: page.offset,
        nextOffset: page.nextOffset,
        data: page.data,
        encoding: args.encoding,
        capturedBytes: page.capturedEnd,
        totalBytes: page.totalBytes,
        eof: page.nextOffset >= page.capturedEnd,
      };
    }),
});
