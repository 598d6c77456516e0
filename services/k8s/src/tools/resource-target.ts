import { ToolError } from '@switchboard/shared';
import type { KindInfo } from '../cluster/discovery.ts';
import { callOptions, type K8sRequestContext } from '../context.ts';
import type { Access } from '../policy/namespaces.ts';

/**
 * Resolves a kind by discovery and checks the namespace (or, for cluster-scoped kinds, the write policy) before
 * the object is touched. A namespace given for a namespaced kind is checked before discovery runs.
 */
export async function resourceTarget(
  ctx: K8sRequestContext,
  args: { context?: string | undefined; namespace?: string | undefined; apiVersion: string; kind: string },
  access: Access,
) {
  const k = ctx.clients.cluster(args.context);
  if (args.namespace) ctx.clients.policy.check(k.name, args.namespace, access);
  const info: KindInfo = await k.call(`discover ${args.apiVersion} ${args.kind}`, callOptions(ctx), () =>
    k.discovery.kind(args.apiVersion, args.kind),
  );
  let namespace: string | undefined;
  if (info.namespaced) {
    namespace = args.namespace ?? k.defaultNamespace;
    ctx.clients.policy.check(k.name, namespace, access);
  } else if (args.namespace) {
    throw new ToolError('INVALID_ARGUMENT', `${args.kind} is cluster-scoped; drop namespace`);
  } else if (access === 'write' && !(ctx.config.clusterScopedWrites && ctx.config.mode === 'admin')) {
    throw new ToolError(
      'POLICY_VIOLATION',
      `${args.kind} is cluster-scoped; changing it needs K8S_MODE=admin and K8S_CLUSTER_SCOPED_WRITES=true`,
    );
  }
  return { k, info, namespace, call: <T>(what: string, fn: () => Promise<T>) => k.call(what, callOptions(ctx), fn) };
}
