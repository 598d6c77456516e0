import { defineTool, pageInput, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext } from '../context.ts';
import { listOutput, pageThrough } from '../output/list-page.ts';
import { age } from '../output/rows.ts';
import { contextField, labelSelectorField } from './shared-schemas.ts';

export const listNamespaces = defineTool({
  name: 'listNamespaces',
  title: 'List namespaces',
  description: 'Namespaces of a cluster with their phase, age, and whether this service may read or write in each.',
  input: z.object({
    context: contextField,
    labelSelector: labelSelectorField,
    ...pageInput({ defaultLimit: 50, maxLimit: 500 }),
  }),
  output: z.object(
    listOutput(z.object({ name: z.string(), status: z.string(), age: z.string(), read: z.boolean(), write: z.boolean() })),
  ),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const k = ctx.clients.cluster(args.context);
    const policy = ctx.clients.policy;
    return pageThrough({
      limit: args.limit,
      cursor: args.cursor,
      scope: { tool: 'listNamespaces', context: k.name, labelSelector: args.labelSelector },
      capBytes: ctx.config.outputCapBytes,
      fetch: (limit, token) =>
        k.call('list namespaces', callOptions(ctx), () =>
          k.core.listNamespace({
            limit,
            ...(token ? { _continue: token } : {}),
            ...(args.labelSelector ? { labelSelector: args.labelSelector } : {}),
          }),
        ),
      row: (ns) => ({
        name: ns.metadata?.name ?? '',
        status: ns.status?.phase ?? 'Active',
        age: age(ns.metadata?.creationTimestamp),
        read: policy.allows(k.name, ns.metadata?.name ?? '', 'read'),
        write: policy.allows(k.name, ns.metadata?.name ?? '', 'write'),
      }),
    });
  },
});
