import { defineTool, z } from '@switchboard/shared';
import type { K8sToolContext } from '../context.ts';

export const listContexts = defineTool({
  name: 'listContexts',
  title: 'List Kubernetes contexts',
  description:
    'The clusters this service can reach, by kubeconfig context: cluster name, API server URL, default namespace and the namespaces allowed for reads and writes. Never returns credentials.',
  input: z.object({}),
  output: z.object({
    mode: z.enum(['read', 'write', 'admin']),
    defaultContext: z.string().optional(),
    contexts: z.array(
      z.object({
        name: z.string(),
        cluster: z.string(),
        server: z.string(),
        defaultNamespace: z.string(),
        current: z.boolean(),
        namespaces: z.object({ read: z.array(z.string()), write: z.array(z.string()) }),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (_args, ctx: K8sToolContext) => ({
    mode: ctx.config.mode,
    ...(ctx.clients.defaultContext ? { defaultContext: ctx.clients.defaultContext } : {}),
    contexts: ctx.clients.contexts().map((k) => ({
      name: k.name,
      cluster: k.cluster,
      server: k.server,
      defaultNamespace: k.defaultNamespace,
      current: k.name === ctx.clients.defaultContext,
      namespaces: ctx.clients.policy.describe(k.name),
    })),
  }),
});
