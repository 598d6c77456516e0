import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { collectionSchema } from './vector-schemas.ts';

export const listCollections = defineTool({
  name: 'listCollections',
  title: 'List vector collections',
  description: 'Collections in the vector store, by name, with dimension, distance, embedding model and chunk count.',
  input: z.object({ ...pageInput({ defaultLimit: 50, maxLimit: 500 }) }),
  output: z.object({ ...pageOutput(collectionSchema), store: z.enum(['embedded', 'qdrant']) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: AiToolContext) => {
    const scope = { tool: 'listCollections' };
    const after = args.cursor ? String(decodeCursor<{ n: string }>(args.cursor, scope).n) : undefined;
    const store = await ctx.clients.vectors();
    const all = await store.listCollections();
    const rest = after === undefined ? all : all.filter((c) => c.name > after);
    const page = fitPage(rest.slice(0, args.limit), {
      total: all.length,
      capBytes: ctx.config.outputCapBytes,
      hasMore: rest.length > args.limit,
      cursorAfter: (c) => encodeCursor({ n: c.name }, scope),
    });
    return { ...page, store: store.kind };
  },
});
