import { defineTool, z } from '@switchboard/shared';
import type { K8sToolContext } from '../context.ts';
import { DESTRUCTIVE_TIER, requireApproval } from '../policy/approval.ts';
import { resourceTarget } from './resource-target.ts';
import { apiVersionField, contextField, kindField, nameField, namespaceField } from './shared-schemas.ts';

export const deleteResource = defineTool({
  name: 'deleteResource',
  title: 'Delete any object',
  description:
    'Deletes one object by apiVersion + kind + name (admin mode, with a human approval through elicitation). Dependents go with it per propagationPolicy (Background by default, like kubectl). Cluster-scoped kinds also need K8S_CLUSTER_SCOPED_WRITES.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    apiVersion: apiVersionField,
    kind: kindField,
    name: nameField,
    propagationPolicy: z.enum(['Background', 'Foreground', 'Orphan']).default('Background'),
    dryRun: z.boolean().default(false),
  }),
  output: z.object({
    deleted: z.object({ apiVersion: z.string(), kind: z.string(), name: z.string(), namespace: z.string().optional() }),
    dryRun: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  ...DESTRUCTIVE_TIER,
  handler: async (args, ctx: K8sToolContext) => {
    const t = await resourceTarget(ctx, args, 'write');
    const spec = {
      apiVersion: args.apiVersion,
      kind: args.kind,
      metadata: { name: args.name, ...(t.namespace ? { namespace: t.namespace } : {}) },
    };
    await t.call(`read ${args.kind} ${args.name}`, () => t.k.objects.read(spec));
    return ctx.idempotent(async () => {
      await requireApproval(ctx, {
        tool: 'deleteResource',
        context: t.k.name,
        namespace: t.namespace,
        action: `${args.dryRun ? 'dry-run delete' : 'delete'} ${args.kind} ${t.namespace ? `${t.namespace}/` : ''}${args.name} (${args.apiVersion})`,
        detail: [`dependents: ${args.propagationPolicy}`],
      });
      await t.call(`delete ${args.kind} ${args.name}`, () =>
        t.k.objects.delete(spec, undefined, args.dryRun ? 'All' : undefined, undefined, undefined, args.propagationPolicy),
      );
      return {
        deleted: {
          apiVersion: args.apiVersion,
          kind: args.kind,
          name: args.name,
          ...(t.namespace ? { namespace: t.namespace } : {}),
        },
        dryRun: args.dryRun,
      };
    });
  },
});
