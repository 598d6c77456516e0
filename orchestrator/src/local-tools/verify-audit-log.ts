import { defineTool, type ToolContext, z } from '@switchboard/shared';
import type { OrchestratorClients } from './services-status.ts';

export const verifyAuditLog = defineTool({
  name: 'verifyAuditLog',
  title: 'Verify the gateway audit trail',
  description:
    "Admins: checks the audit trail's hash chain from the first record: a modified record fails its own hash, a removed, inserted or reordered one breaks the chain at the next. Reports the head (last seq and hash; keep it elsewhere to detect a cut-off tail) and every problem with its line.",
  input: z.object({}),
  output: z.object({
    ok: z.boolean(),
    records: z.number().int(),
    head: z.object({ seq: z.number().int(), hash: z.string() }),
    problems: z.array(z.object({ line: z.number().int(), seq: z.number().int().optional(), problem: z.string() })).max(100),
    trail: z.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (_args, ctx: ToolContext<unknown, OrchestratorClients>) => {
    const audit = ctx.clients.gateway.audit;
    const report = await audit.verify();
    return { ...report, problems: report.problems.slice(0, 100), trail: audit.label };
  },
});
