import { deploymentRow, deploymentRowSchema } from '../output/rows.ts';
import { defineNamespacedList } from './namespaced-list.ts';

export const listDeployments = defineNamespacedList({
  name: 'listDeployments',
  title: 'List deployments',
  description:
    'Deployments as rows: ready/desired, up to date, available, images, age. getDeployment shows rollout status and history.',
  plural: 'deployments',
  rowSchema: deploymentRowSchema,
  row: (item) => deploymentRow(item as never),
  listAll: (k, request) => k.apps.listDeploymentForAllNamespaces(request),
  listNamespaced: (k, namespace, request) => k.apps.listNamespacedDeployment({ namespace, ...request }),
});
