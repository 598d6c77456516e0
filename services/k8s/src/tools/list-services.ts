import { serviceRow, serviceRowSchema } from '../output/rows.ts';
import { defineNamespacedList } from './namespaced-list.ts';

export const listServices = defineNamespacedList({
  name: 'listServices',
  title: 'List services',
  description: 'Services as rows: type, cluster IP, external IP, ports (port[:nodePort]/protocol), selector, age.',
  plural: 'services',
  rowSchema: serviceRowSchema,
  row: (item) => serviceRow(item as never),
  listAll: (k, request) => k.core.listServiceForAllNamespaces(request),
  listNamespaced: (k, namespace, request) => k.core.listNamespacedService({ namespace, ...request }),
});
