import type { NodeMetric } from '@kubernetes/client-node';
import { defineTool, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext } from '../context.ts';
import { formatCpu, formatMemory, parseQuantity } from '../output/quantity.ts';
import { contextField, labelSelectorField } from './shared-schemas.ts';
import { metricsUnavailable } from './top-pods.ts';

export const topNodes = defineTool({
  name: 'topNodes',
  title: 'Node CPU and memory usage',
  description:
    'Live usage per node from metrics.k8s.io with the share of allocatable capacity, heaviest CPU first. UNSUPPORTED when metrics-server is absent.',
  input: z.object({ context: contextField, labelSelector: labelSelectorField }),
  output: z.object({
    items: z.array(
      z.object({
        name: z.string(),
        cpu: z.string(),
        cpuPercent: z.number().optional(),
        memory: z.string(),
        memoryPercent: z.number().optional(),
      }),
    ),
    total: z.number().int(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const k = ctx.clients.cluster(args.context);
    const metrics = await k
      .call('read node metrics', callOptions(ctx), () =>
        k.objects.list(
          'metrics.k8s.io/v1beta1',
          'NodeMetrics',
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          args.labelSelector,
        ),
      )
      .catch((error) => metricsUnavailable(error, k.name));
    const nodes = await k.call('list nodes', callOptions(ctx), () =>
      k.core.listNode({ limit: 500, ...(args.labelSelector ? { labelSelector: args.labelSelector } : {}) }),
    );
    const allocatable = new Map(nodes.items.map((n) => [n.metadata?.name, n.status?.allocatable ?? {}]));
    const items = (metrics.items as unknown as NodeMetric[])
      .map((m) => {
        const cpu = parseQuantity(m.usage?.cpu);
        const memory = parseQuantity(m.usage?.memory);
        const alloc = allocatable.get(m.metadata?.name) as Record<string, string> | undefined;
        const cpuCap = parseQuantity(alloc?.cpu);
        const memCap = parseQuantity(alloc?.memory);
        return {
          name: String(m.metadata?.name),
          cpu: formatCpu(cpu),
          ...(cpuCap ? { cpuPercent: Math.round((cpu / cpuCap) * 100) } : {}),
          memory: formatMemory(memory),
          ...(memCap ? { memoryPercent: Math.round((memory / memCap) * 100) } : {}),
          sort: cpu,
        };
      })
      .sort((a, b) => b.sort - a.sort)
      .map(({ sort: _s, ...row }) => row);
    return { items, total: items.length };
  },
});
