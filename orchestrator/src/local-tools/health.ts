import { defineTool, type ToolContext, z } from '@switchboard/shared';
import type { OrchestratorClients } from './services-status.ts';

export const health = defineTool({
  name: 'health',
  title: 'Federation health',
  description:
    'Overall health: ok when every enabled upstream is up, degraded when some are degraded or down, with counts and problems.',
  input: z.object({}),
  output: z.object({
    status: z.enum(['ok', 'degraded', 'down']),
    upstreams: z.object({
      up: z.number().int(),
      degraded: z.number().int(),
      down: z.number().int(),
      connecting: z.number().int(),
    }),
    down: z.array(z.object({ name: z.string(), reason: z.string(), since: z.string() })),
    sessions: z.number().int(),
    problems: z.array(z.string()),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (_args, ctx: ToolContext<unknown, OrchestratorClients>) => {
    const services = ctx.clients.services();
    const count = (state: string) => services.filter((s) => s.state === state).length;
    const counts = { up: count('up'), degraded: count('degraded'), down: count('down'), connecting: count('connecting') };
    const status: 'ok' | 'degraded' | 'down' =
      services.length > 0 && counts.up === 0 ? 'down' : counts.up === services.length ? 'ok' : 'degraded';
    return {
      status,
      upstreams: counts,
      down: services.filter((s) => s.state === 'down').map((s) => ({ name: s.name, reason: s.reason, since: s.since })),
      sessions: ctx.clients.sessionCount(),
      problems: ctx.clients.problems(),
    };
  },
});
