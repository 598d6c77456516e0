import { Health } from '@kubernetes/client-node';
import { defineTool, ToolError, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext } from '../context.ts';
import { contextField } from './shared-schemas.ts';

export const getClusterInfo = defineTool({
  name: 'getClusterInfo',
  title: 'Cluster version and health',
  description:
    'The API server version, node count (and how many are Ready), /readyz health and whether metrics.k8s.io is served.',
  input: z.object({ context: contextField }),
  output: z.object({
    context: z.string(),
    server: z.string(),
    version: z.string(),
    platform: z.string().optional(),
    nodes: z.object({ total: z.number().int(), ready: z.number().int() }),
    healthy: z.boolean(),
    health: z.string().describe('What /readyz answered'),
    metricsAvailable: z.boolean(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const k = ctx.clients.cluster(args.context);
    const options = callOptions(ctx);
    const version = await k.call('read /version', options, () => k.version.getCode());
    let total = 0;
    let ready = 0;
    let token: string | undefined;
    do {
      const page = await k.call('list nodes', options, () =>
        k.core.listNode({ limit: 500, ...(token ? { _continue: token } : {}) }),
      );
      total += page.items.length;
      ready += page.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      token = page.metadata?._continue;
    } while (token);
    let health = 'ok';
    try {
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.config.callTimeoutMs)]);
      if (!(await new Health(k.kubeConfig).readyz({ signal }))) health = '/readyz did not answer ok';
    } catch (error) {
      health = error instanceof ToolError ? `${error.code}: ${error.message}` : `/readyz failed: ${(error as Error).message}`;
    }
    let metricsAvailable = true;
    try {
      await k.call('discover metrics.k8s.io', options, () => k.discovery.kind('metrics.k8s.io/v1beta1', 'NodeMetrics'));
    } catch {
      metricsAvailable = false;
    }
    return {
      context: k.name,
      server: k.server,
      version: version.gitVersion,
      ...(version.platform ? { platform: version.platform } : {}),
      nodes: { total, ready },
      healthy: health === 'ok' && ready === total && total > 0,
      health,
      metricsAvailable,
    };
  },
});
