import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { defineTool, z } from '@switchboard/shared';
import { type K8sToolContext, target } from '../context.ts';
import { contextField, nameField, namespaceField } from './shared-schemas.ts';

export const restartDeployment = defineTool({
  name: 'restartDeployment',
  title: 'Restart a deployment',
  description:
    'A rolling restart, as `kubectl rollout restart` does it: stamps kubectl.kubernetes.io/restartedAt on the pod template, which makes a new ReplicaSet revision. waitForRollout follows it.',
  input: z.object({ context: contextField, namespace: namespaceField, name: nameField }),
  output: z.object({ name: z.string(), namespace: z.string(), restartedAt: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'write');
    return ctx.idempotent(async () => {
      const restartedAt = new Date().toISOString();
      await t.call(`restart ${args.name}`, () =>
        t.k.apps.patchNamespacedDeployment(
          {
            name: args.name,
            namespace: t.namespace,
            fieldManager: ctx.config.fieldManager,
            body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
        ),
      );
      return { name: args.name, namespace: t.namespace, restartedAt };
    });
  },
});
