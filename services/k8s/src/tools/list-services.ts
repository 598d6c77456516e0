import { defineTool, pageInput, z } from '@switchboard/shared';
import { type K8sToolContext, listTarget } from '../context.ts';
import { listOutput, pageThrough } from '../output/list-page.ts';
import { serviceRow, serviceRowSchema } from '../output/rows.ts';
import { allNamespacesField, contextField, fieldSelectorField, labelSelectorField, namespaceField } from './shared-schemas.ts';

export const listServices = defineTool({
  name: 'listServices',
  title: 'List services',
  description: 'Services as rows: type, cluster IP, external IP, ports (port[:nodePort]/protocol), selector, age.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    allNamespaces: allNamespacesField,
    labelSelector: labelSelectorField,
    fieldSelector: fieldSelectorField,
    ...pageInput({ defaultLimit: 20, maxLimit: 500 }),
  }),
  output: z.object(listOutput(serviceRowSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const t = listTarget(ctx, args);
    const selectors = {
      ...(args.labelSelector ? { labelSelector: args.labelSelector } : {}),
      ...(args.fieldSelector ? { fieldSelector: args.fieldSelector } : {}),
    };
    return pageThrough({
      limit: args.limit,
      cursor: args.cursor,
      scope: { tool: 'listServices', context: t.k.name, namespace: t.namespace ?? '*', ...selectors },
      capBytes: ctx.config.outputCapBytes,
      fetch: (limit, token) =>
        t.call(`list services in ${t.namespace ?? 'all namespaces'}`, () => {
          const page = { limit, ...selectors, ...(token ? { _continue: token } : {}) };
          return t.namespace === undefined
            ? t.k.core.listServiceForAllNamespaces(page)
            : t.k.core.listNamespacedService({ namespace: t.namespace, ...page });
        }),
      row: (s) => serviceRow(s as never),
    });
  },
});
