import { defineTool, pageInput, z } from '@switchboard/shared';
import { type K8sToolContext, listTarget } from '../context.ts';
import { listOutput, pageThrough } from '../output/list-page.ts';
import { podRow, podRowSchema } from '../output/rows.ts';
import { allNamespacesField, contextField, fieldSelectorField, labelSelectorField, namespaceField } from './shared-schemas.ts';

export const listPods = defineTool({
  name: 'listPods',
  title: 'List pods',
  description:
    'Pods as compact rows (phase or waiting reason, ready containers, restarts, node, age), not full objects; filter with labelSelector/fieldSelector (e.g. status.phase=Running, spec.nodeName=node-1) and page with cursor. getPod shows one in detail.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    allNamespaces: allNamespacesField,
    labelSelector: labelSelectorField,
    fieldSelector: fieldSelectorField,
    ...pageInput({ defaultLimit: 20, maxLimit: 500 }),
  }),
  output: z.object(listOutput(podRowSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  truncationHint: 'use a smaller limit or a selector',
  handler: async (args, ctx: K8sToolContext) => {
    const t = listTarget(ctx, args);
    const selectors = {
      ...(args.labelSelector ? { labelSelector: args.labelSelector } : {}),
      ...(args.fieldSelector ? { fieldSelector: args.fieldSelector } : {}),
    };
    return pageThrough({
      limit: args.limit,
      cursor: args.cursor,
      scope: { tool: 'listPods', context: t.k.name, namespace: t.namespace ?? '*', ...selectors },
      capBytes: ctx.config.outputCapBytes,
      fetch: (limit, token) =>
        t.call(`list pods in ${t.namespace ?? 'all namespaces'}`, () => {
          const page = { limit, ...selectors, ...(token ? { _continue: token } : {}) };
          return t.namespace === undefined
            ? t.k.core.listPodForAllNamespaces(page)
            : t.k.core.listNamespacedPod({ namespace: t.namespace, ...page });
        }),
      row: (pod) => podRow(pod as never),
    });
  },
});
