import { defineTool, ToolError, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { requireApproval } from '../safety/approval.ts';
import { secretInput, targetOf } from './shared-schemas.ts';

export const deleteSecret = defineTool({
  name: 'deleteSecret',
  title: 'Delete a secret (soft, recoverable)',
  description:
    'Soft-deletes a secret after a human approves (elicitation; refused when the client cannot prompt): it stops resolving at once and can be restored with restoreSecret until the recovery window ends, then it is purged. dryRun reports without asking or deleting.',
  input: z.object({ secret: secretInput.secret, dryRun: z.boolean().default(false) }),
  output: z.object({
    handle: z.string(),
    deleted: z.boolean(),
    recoverUntil: z.string(),
    approval: z.enum(['accepted', 'auto', 'not_asked']),
    dryRun: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: SecretsToolContext) => {
    const { manager } = ctx.clients;
    const target = {};
    return manager.audited(
      ctx,
      'delete',
      target,
      async () => {
        const ref = manager.ref(args.secret);
        if (ref.version) throw new ToolError('INVALID_ARGUMENT', 'deleteSecret deletes the whole secret: drop #version');
        Object.assign(target, targetOf(ref));
        const record = await manager.describe(ref);
        const handle = manager.handleOf(ref.backend, ref.path);
        if (record.deleted)
          return {
            handle,
            deleted: true,
            recoverUntil: record.deleted.recoverUntil,
            approval: 'not_asked' as const,
            dryRun: args.dryRun,
          };
        const recoverUntil = new Date(manager.now().getTime() + ctx.config.recoveryWindowDays * 24 * 3600 * 1000);
        if (args.dryRun)
          return {
            handle,
            deleted: false,
            recoverUntil: recoverUntil.toISOString(),
            approval: 'not_asked' as const,
            dryRun: true,
          };
        const approval = await requireApproval(ctx, {
          action: `delete the secret ${handle}`,
          facts: {
            secret: handle,
            versions: String(record.versions.length),
            caller: ctx.caller.id,
            recovery: `restorable until ${recoverUntil.toISOString()}`,
          },
          mode: ctx.config.deleteApproval,
          setting: 'deleteApproval (SECRETS_DELETE_APPROVAL)',
        });
        const done = await manager.backend(ref.backend).softDelete(ref.path, recoverUntil);
        return { handle, deleted: true, recoverUntil: done.recoverUntil, approval, dryRun: false };
      },
      (out) => ({ approval: out.approval, recoverUntil: out.recoverUntil, dryRun: out.dryRun }),
    );
  },
});
