import { defineTool, ToolError, z } from '@switchboard/shared';
import { type K8sToolContext, target } from '../context.ts';
import { createServiceObject, serviceResultSchema, serviceTypeSchema } from './service-spec.ts';
import { contextField, nameField, namespaceField } from './shared-schemas.ts';

export const exposeDeployment = defineTool({
  name: 'exposeDeployment',
  title: 'Expose a deployment',
  description:
    "Like `kubectl expose deployment`: a Service named after the deployment (or serviceName) selecting its pods by the deployment's matchLabels; targetPort defaults to the first container port.",
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    name: nameField.describe('Deployment name'),
    serviceName: nameField.optional(),
    port: z.number().int().min(1).max(65535),
    targetPort: z.number().int().min(1).max(65535).optional(),
    type: serviceTypeSchema,
    dryRun: z.boolean().default(false),
  }),
  output: serviceResultSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'write');
    const d = await t.call(`read deployment ${args.name}`, () =>
      t.k.apps.readNamespacedDeployment({ name: args.name, namespace: t.namespace }),
    );
    const selector = d.spec?.selector?.matchLabels;
    if (!selector || Object.keys(selector).length === 0 || (d.spec?.selector?.matchExpressions?.length ?? 0) > 0) {
      throw new ToolError(
        'INVALID_ARGUMENT',
        `deployment ${args.name} selects pods with matchExpressions; a Service needs plain labels: use createService`,
      );
    }
    const containerPort = d.spec?.template?.spec?.containers?.flatMap((c) => c.ports ?? [])[0]?.containerPort;
    return ctx.idempotent(() =>
      createServiceObject(
        t,
        ctx.config.fieldManager,
        {
          name: args.serviceName ?? args.name,
          type: args.type,
          selector,
          labels: d.metadata?.labels,
          ports: [{ port: args.port, targetPort: args.targetPort ?? containerPort ?? args.port, protocol: 'TCP' }],
        },
        args.dryRun,
      ),
    );
  },
});
