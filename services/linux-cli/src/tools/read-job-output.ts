import { defineTool, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { audited } from '../safety/audited.ts';
import { jobStateSchema } from './job-view.ts';
import { pageLimit, pageShape, readStreamPage, streamSchema } from './stream-page.ts';

export const readJobOutput = defineTool({
  name: 'readJobOutput',
  title: "Read a job's output",
  description:
    "Reads a background job's stdout or stderr from a byte offset (0 at first, then nextOffset). A job keeps the latest output up to the capture cap; skippedBytes says how much fell out before the offset asked for.",
  input: z.object({ id: z.string().min(1).max(100), stream: streamSchema, ...pageShape }),
  output: z.object({
    id: z.string(),
    state: jobStateSchema,
    exitCode: z.number().int().nullable().optional(),
    signal: z.string().nullable().optional(),
    stream: z.enum(['stdout', 'stderr']),
    offset: z.number().int(),
    nextOffset: z.number().int(),
    data: z.string(),
    encoding: z.enum(['utf8', 'base64']),
    skippedBytes: z.number().int().describe('Bytes between the offset asked for and the oldest byte still kept'),
    totalBytes: z.number().int(),
    eof: z.boolean().describe('True when the job has ended and everything was read'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'readJobOutput', async (record) => {
      record.jobId = args.id;
      const job = ctx.clients.jobs.get(args.id, ctx.caller.id);
      const buffer = args.stream === 'stdout' ? job.stdout : job.stderr;
      const page = readStreamPage(
        buffer,
        args.offset,
        pageLimit(ctx.config.pageBytes, ctx.config.outputCapBytes, args.length),
        args.encoding,
        ctx.config.outputCapBytes,
      );
      record.ran = true;
      return {
        id: job.id,
        state: job.state,
        ...(job.state !== 'running' ? { exitCode: job.exitCode ?? null, signal: job.signal ?? null } : {}),
        stream: args.stream,
        offset: page.offset,
        nextOffset: page.nextOffset,
        data: page.data,
        encoding: args.encoding,
        skippedBytes: page.skippedBytes,
        totalBytes: page.totalBytes,
        eof: job.state !== 'running' && page.nextOffset >= page.capturedEnd,
      };
    }),
});
