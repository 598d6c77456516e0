import { defineTool, z } from '@switchboard/shared';
import { type K8sToolContext, target } from '../context.ts';
import { createServiceObject, servicePortSchema, serviceResultSchema, serviceTypeSchema } from './service-spec.ts';
import { contextField, nameField, namespaceField } from './shared-schemas.ts';

export const createService = defineTool({
  name: 'createService',
  title: 'Create a service',
  description:
    'Creates a Service (ClusterIP, NodePort or LoadBalancer) selecting pods by labels. An existing name is a CONFLICT.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    name: nameField,
    type: serviceTypeSchema,
    selector: z.record(z.string(), z.string()).refine((s) => Object.keys(s).length > 0, 'selector needs at least one label'),
    ports: z.array(servicePortSchema).min(1).max(20),
    labels: z.record(z.string(), z.string()).optional(),
    dryRun: z.boolean().default(false),
  }),
  output: serviceResultSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'write');
    return ctx.idempotent(() => createServiceObject(t, ctx.config.fieldManager, args, args.dryRun));
  },
});
