import { defineTool, pageInput, z } from '@switchboard/shared';
import { type K8sToolContext, listTarget } from '../context.ts';
import { listOutput, pageThrough } from '../output/list-page.ts';
import { deploymentRow, deploymentRowSchema } from '../output/rows.ts';
import { allNamespacesField, contextField, fieldSelectorField, labelSelectorField, namespaceField } from './shared-schemas.ts';

export const listDeployments = defineTool({
  name: 'listDeployments',
  title: 'List deployments',
  description:
    'Deployments as rows: ready/desired, up to date, available, images, age. getDeployment shows rollout status and history.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    allNamespaces: allNamespacesField,
    labelSelector: labelSelectorField,
    fieldSelector: fieldSelectorField,
    ...pageInput({ defaultLimit: 20, maxLimit: 500 }),
  }),
  output: z.object(listOutput(deploymentRowSchema)),
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
      scope: { tool: 'listDeployments', context: t.k.name, namespace: t.namespace ?? '*', ...selectors },
      capBytes: ctx.config.outputCapBytes,
      fetch: (limit, token) =>
        t.call(`list deployments in ${t.namespace ?? 'all namespaces'}`, () => {
          const page = { limit, ...selectors, ...(token ? { _continue: token } : {}) };
          return t.namespace === undefined
            ? t.k.apps.listDeploymentForAllNamespaces(page)
            : t.k.apps.listNamespacedDeployment({ namespace: t.namespace, ...page });
        }),
      row: (d) => deploymentRow(d as never),
    });
  },
});
