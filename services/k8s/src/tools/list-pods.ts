import { podRow, podRowSchema } from '../output/rows.ts';
import { defineNamespacedList } from './namespaced-list.ts';

export const listPods = defineNamespacedList({
  name: 'listPods',
  title: 'List pods',
  description:
    'Pods as compact rows (phase or waiting reason, ready containers, restarts, node, age), not full objects; filter with labelSelector/fieldSelector (e.g. status.phase=Running, spec.nodeName=node-1) and page with cursor. getPod shows one in detail.',
  plural: 'pods',
  rowSchema: podRowSchema,
  row: (item) => podRow(item as never),
  truncationHint: 'use a smaller limit or a selector',
  listAll: (k, request) => k.core.listPodForAllNamespaces(request),
  listNamespaced: (k, namespace, request) => k.core.listNamespacedPod({ namespace, ...request }),
});
