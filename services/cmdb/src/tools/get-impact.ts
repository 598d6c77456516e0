import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, ToolError, z } from '@switchboard/shared';
import type { CmdbToolContext } from '../context.ts';
import { ciRefShape, ciSummarySchema, ciTypeSchema, summaryOf } from '../model.ts';
import { requireRef } from './shared-schemas.ts';

const impactEntrySchema = z.object({
  ci: ciSummarySchema,
  depth: z.number().int(),
  relationship: z.string().describe('The relationship through which this CI was reached'),
  via: z.string().describe('The CI it was reached from (type/name)'),
  path: z.array(z.string()).describe('type/name chain from the starting CI'),
});

export const getImpact = defineTool({
  name: 'getImpact',
  title: 'Impact analysis',
  description:
    'Walks relationships transitively from a CI. direction "up" (default) lists everything affected if it fails (services running on a host, dependents of a database, members of a cluster); "down" lists what it relies on. Cycle-safe, with a depth limit.',
  input: z.object({
    ...ciRefShape,
    direction: z.enum(['up', 'down']).default('up'),
    maxDepth: z.number().int().min(1).max(50).default(5),
    types: z.array(ciTypeSchema).optional().describe('Only return CIs of these types (the walk still crosses the others)'),
    ...pageInput({ defaultLimit: 50, maxLimit: 500 }),
  }),
  output: z.object({
    root: ciSummarySchema,
    direction: z.enum(['up', 'down']),
    ...pageOutput(impactEntrySchema),
    countsByType: z.record(z.string(), z.number().int()),
    truncatedAtDepth: z.boolean().describe('True when relationships continue beyond maxDepth'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: CmdbToolContext) => {
    if (args.maxDepth > ctx.config.maxImpactDepth) {
      throw new ToolError('INVALID_ARGUMENT', `maxDepth is limited to ${ctx.config.maxImpactDepth} (CMDB_MAX_IMPACT_DEPTH)`);
    }
    const ref = requireRef(args);
    const scope = { tool: 'getImpact', ref, direction: args.direction, maxDepth: args.maxDepth, types: args.types };
    const offset = args.cursor ? Number(decodeCursor<{ o: number }>(args.cursor, scope).o) : 0;
    const store = await ctx.clients.store();
    const { root, entries, truncatedAtDepth } = await store.impact(ref, args.direction, args.maxDepth);
    const wanted = args.types ? entries.filter((e) => args.types?.includes(e.item.type)) : entries;
    const countsByType: Record<string, number> = {};
    for (const entry of wanted) countsByType[entry.item.type] = (countsByType[entry.item.type] ?? 0) + 1;
    const slice = wanted.slice(offset, offset + args.limit).map((e, i) => ({
      index: offset + i,
      entry: { ci: summaryOf(e.item), depth: e.depth, relationship: e.relationship, via: e.via, path: e.path },
    }));
    const page = fitPage(slice, {
      total: wanted.length,
      capBytes: ctx.config.outputCapBytes,
      hasMore: offset + args.limit < wanted.length,
      cursorAfter: (item) => encodeCursor({ o: item.index + 1 }, scope),
    });
    return {
      root: summaryOf(root),
      direction: args.direction,
      items: page.items.map((i) => i.entry),
      total: page.total,
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      countsByType,
      truncatedAtDepth,
    };
  },
});
