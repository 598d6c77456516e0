import { defineTool, z } from '@switchboard/shared';
import { type K8sToolContext, target } from '../context.ts';
import { DESTRUCTIVE_TIER, requireApproval } from '../policy/approval.ts';
import { contextField, nameField, namespaceField } from './shared-schemas.ts';

export const deletePod = defineTool({
  name: 'deletePod',
  title: 'Delete a pod',
  description:
    'Deletes one pod (admin mode, after a human approves through elicitation; refused when the client cannot ask). A pod owned by a ReplicaSet is replaced by its controller; the result says who owns it.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    name: nameField,
    gracePeriodSeconds: z.number().int().min(0).max(3600).optional(),
    dryRun: z.boolean().default(false),
  }),
  output: z.object({
    deleted: z.object({ kind: z.literal('Pod'), name: z.string(), namespace: z.string() }),
    owner: z.string().optional(),
    dryRun: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  ...DESTRUCTIVE_TIER,
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'write');
    const pod = await t.call(`read pod ${args.name}`, () =>
      t.k.core.readNamespacedPod({ name: args.name, namespace: t.namespace }),
    );
    const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
    return ctx.idempotent(async () => {
      await requireApproval(ctx, {
        tool: 'deletePod',
        context: t.k.name,
        namespace: t.namespace,
        action: `${args.dryRun ? 'dry-run delete' : 'delete'} Pod ${t.namespace}/${args.name}`,
        detail: [
          owner
            ? `owner:     ${owner.kind}/${owner.name} (it will start a replacement)`
            : 'owner:     none (the pod will not come back)',
        ],
      });
      await t.call(`delete pod ${args.name}`, () =>
        t.k.core.deleteNamespacedPod({
          name: args.name,
          namespace: t.namespace,
          ...(args.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: args.gracePeriodSeconds } : {}),
          ...(args.dryRun ? { dryRun: 'All' } : {}),
        }),
      );
      return {
        deleted: { kind: 'Pod' as const, name: args.name, namespace: t.namespace },
        ...(owner ? { owner: `${owner.kind}/${owner.name}` } : {}),
        dryRun: args.dryRun,
      };
    });
  },
});
