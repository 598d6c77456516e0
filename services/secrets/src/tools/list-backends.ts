import { defineTool, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';

export const listBackends = defineTool({
  name: 'listBackends',
  title: 'List secret backends',
  description:
    'The mounted secret stores (encrypted file, KeePass, Vault KV v2, Azure Key Vault, AWS Secrets Manager): name, kind, location, whether it is the default, and a live health check.',
  input: z.object({}),
  output: z.object({
    items: z.array(
      z.object({
        name: z.string(),
        kind: z.string(),
        location: z.string(),
        default: z.boolean(),
        healthy: z.boolean(),
        problem: z.string().optional(),
      }),
    ),
    total: z.number().int(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (_args, ctx: SecretsToolContext) => {
    const { manager } = ctx.clients;
    const items = await Promise.all(
      manager.backends().map(async (backend) => {
        const problem = await backend.health().then(
          () => undefined,
          (error: Error) => error.message,
        );
        return {
          name: backend.name,
          kind: backend.kind,
          location: backend.location,
          default: backend.name === manager.defaultBackend,
          healthy: problem === undefined,
          ...(problem ? { problem } : {}),
        };
      }),
    );
    return { items, total: items.length };
  },
});
