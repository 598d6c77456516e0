import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD');

export const getUsage = defineTool({
  name: 'getUsage',
  title: 'Usage and cost from the ledger',
  description:
    "Tokens, calls, cache hits and USD cost per day, caller and model, from this service's own ledger (every generate, compareModels and provider embedding call), newest day first, with the caller's daily budget.",
  input: z.object({
    caller: z.string().min(1).max(200).optional().describe('Default: every caller'),
    model: z.string().min(1).max(128).optional(),
    from: day.optional(),
    to: day.optional(),
    ...pageInput({ defaultLimit: 30, maxLimit: 500 }),
  }),
  output: z.object({
    ...pageOutput(
      z.object({
        day: z.string(),
        caller: z.string(),
        model: z.string(),
        calls: z.number().int(),
        cacheHits: z.number().int(),
        inputTokens: z.number().int(),
        outputTokens: z.number().int(),
        costUsd: z.number(),
      }),
    ),
    totals: z
      .object({ inputTokens: z.number().int(), outputTokens: z.number().int(), costUsd: z.number() })
      .describe('Of this page'),
    budget: z
      .object({ caller: z.string(), tokensPerDay: z.number().int().optional(), usdPerDay: z.number().optional() })
      .optional()
      .describe("The named caller's daily limits"),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: AiToolContext) => {
    const { limit, cursor, ...filter } = args;
    const scope = { tool: 'getUsage', filter };
    const offset = cursor ? Number(decodeCursor<{ o: number }>(cursor, scope).o) : 0;
    const ledger = await ctx.clients.ledger();
    const { rows, total } = await ledger.summary(filter, limit, offset);
    const page = fitPage(rows, {
      total,
      capBytes: ctx.config.outputCapBytes,
      hasMore: offset + rows.length < total,
      cursorAfter: (row) => encodeCursor({ o: offset + rows.indexOf(row) + 1 }, scope),
    });
    const round = (n: number) => Math.round(n * 1e6) / 1e6;
    return {
      ...page,
      totals: {
        inputTokens: page.items.reduce((n, r) => n + r.inputTokens, 0),
        outputTokens: page.items.reduce((n, r) => n + r.outputTokens, 0),
        costUsd: round(page.items.reduce((n, r) => n + r.costUsd, 0)),
      },
      ...(filter.caller ? { budget: { caller: filter.caller, ...ctx.clients.budgets.limitsFor(filter.caller) } } : {}),
    };
  },
});
