import { defineTool, ToolError, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { secretInput, targetOf } from './shared-schemas.ts';

export const restoreSecret = defineTool({
  name: 'restoreSecret',
  title: 'Restore a deleted secret',
  description:
    'Brings back a soft-deleted secret with all its versions, while its recovery window lasts (listSecrets includeDeleted shows them).',
  input: z.object({ secret: secretInput.secret }),
  output: z.object({ handle: z.string(), restored: z.boolean(), currentVersion: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: SecretsToolContext) => {
    const { manager } = ctx.clients;
    const target = {};
    return manager.audited(ctx, 'restore', target, async () => {
      const ref = manager.ref(args.secret);
      if (ref.version) throw new ToolError('INVALID_ARGUMENT', 'restoreSecret restores the whole secret: drop #version');
      Object.assign(target, targetOf(ref));
      const record = await manager.describe(ref);
      if (!record.deleted) throw new ToolError('CONFLICT', `${ref.backend}/${ref.path} is not deleted`);
      await manager.backend(ref.backend).restore(ref.path);
      const after = await manager.describe(ref);
      return { handle: manager.handleOf(ref.backend, ref.path), restored: true, currentVersion: after.currentVersion };
    });
  },
});
