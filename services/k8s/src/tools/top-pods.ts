import type { PodMetric } from '@kubernetes/client-node';
import { decodeCursor, defineTool, encodeCursor, pageInput, ToolError, z } from '@switchboard/shared';
import { type K8sToolContext, listTarget } from '../context.ts';
import { listOutput } from '../output/list-page.ts';
import { formatCpu, formatMemory, millicores, parseQuantity } from '../output/quantity.ts';
import { allNamespacesField, contextField, labelSelectorField, namespaceField } from './shared-schemas.ts';

/** metrics.k8s.io answers 404 (no such group) when metrics-server is not installed. */
export function metricsUnavailable(error: unknown, context: string): never {
  if (error instanceof ToolError && error.code === 'NOT_FOUND') {
    throw new ToolError(
      'UNSUPPORTED',
      `context ${context} serves no metrics.k8s.io API: metrics-server is not installed (or not ready), so live CPU and memory usage is not available`,
    );
  }
  throw error;
}

export const topPods = defineTool({
  name: 'topPods',
  title: 'Pod CPU and memory usage',
  description:
    'Live usage per pod from metrics.k8s.io (metrics-server), heaviest first by cpu or memory. A clear UNSUPPORTED error when metrics-server is absent.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    allNamespaces: allNamespacesField,
    labelSelector: labelSelectorField,
    sortBy: z.enum(['cpu', 'memory']).default('cpu'),
    ...pageInput({ defaultLimit: 20, maxLimit: 200 }),
  }),
  output: z.object(
    listOutput(
      z.object({
        name: z.string(),
        namespace: z.string(),
        cpu: z.string(),
        memory: z.string(),
        cpuMillicores: z.number(),
        memoryBytes: z.number(),
      }),
    ),
  ),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const t = listTarget(ctx, args);
    const scope = {
      tool: 'topPods',
      context: t.k.name,
      namespace: t.namespace ?? '*',
      labelSelector: args.labelSelector,
      sortBy: args.sortBy,
    };
    const offset = args.cursor ? decodeCursor<{ o: number }>(args.cursor, scope).o : 0;
    const list = await t
      .call('read pod metrics', () =>
        t.k.objects.list(
          'metrics.k8s.io/v1beta1',
          'PodMetrics',
          t.namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          args.labelSelector,
        ),
      )
      .catch((error) => metricsUnavailable(error, t.k.name));
    const rows = (list.items as unknown as PodMetric[]).map((m) => {
      const cpu = (m.containers ?? []).reduce((n, c) => n + parseQuantity(c.usage?.cpu), 0);
      const memory = (m.containers ?? []).reduce((n, c) => n + parseQuantity(c.usage?.memory), 0);
      return {
        name: m.metadata?.name,
        namespace: m.metadata?.namespace,
        cpu: formatCpu(cpu),
        memory: formatMemory(memory),
        cpuMillicores: millicores(String(cpu)),
        memoryBytes: Math.round(memory),
      };
    });
    rows.sort((a, b) => (args.sortBy === 'cpu' ? b.cpuMillicores - a.cpuMillicores : b.memoryBytes - a.memoryBytes));
    const items = rows.slice(offset, offset + args.limit);
    const next = offset + items.length;
    return {
      items,
      total: rows.length,
      totalExact: true,
      ...(next < rows.length ? { nextCursor: encodeCursor({ o: next }, scope) } : {}),
    };
  },
});
