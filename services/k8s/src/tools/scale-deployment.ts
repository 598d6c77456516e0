import { defineTool, z } from '@switchboard/shared';
import { retryOnConflict } from '../cluster/retry-on-conflict.ts';
import { type K8sToolContext, target } from '../context.ts';
import { contextField, deploymentKindField, nameField, namespaceField } from './shared-schemas.ts';

export const scaleDeployment = defineTool({
  name: 'scaleDeployment',
  title: 'Scale a deployment',
  description:
    'Sets the replica count through the scale subresource, guarded by the resourceVersion it read (a concurrent change is a CONFLICT, not a lost update). Returns the count before and after.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    name: nameField,
    kind: deploymentKindField,
    replicas: z.number().int().min(0).max(1000),
    dryRun: z.boolean().default(false),
  }),
  output: z.object({
    name: z.string(),
    namespace: z.string(),
    previousReplicas: z.number().int(),
    replicas: z.number().int(),
    dryRun: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'write');
    return ctx.idempotent(() =>
      retryOnConflict(async () => {
        const scale = await t.call(`read scale of ${args.name}`, () =>
          t.k.apps.readNamespacedDeploymentScale({ name: args.name, namespace: t.namespace }),
        );
        const previous = scale.spec?.replicas ?? 0;
        let replicas = previous;
        if (previous !== args.replicas || args.dryRun) {
          const updated = await t.call(`scale ${args.name}`, () =>
            t.k.apps.replaceNamespacedDeploymentScale({
              name: args.name,
              namespace: t.namespace,
              body: { ...scale, spec: { replicas: args.replicas } },
              fieldManager: ctx.config.fieldManager,
              ...(args.dryRun ? { dryRun: 'All' } : {}),
            }),
          );
          replicas = updated.spec?.replicas ?? args.replicas;
        }
        return { name: args.name, namespace: t.namespace, previousReplicas: previous, replicas, dryRun: args.dryRun };
      }),
    );
  },
});
