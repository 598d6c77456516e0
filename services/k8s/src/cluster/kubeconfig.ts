import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '@switchboard/shared';
import type { K8sConfig } from '../config.ts';

/** What the service knows about one usable context: never its credentials. */
export interface ContextInfo {
  name: string;
  cluster: string;
  server: string;
  defaultNamespace: string;
  kubeConfig: KubeConfig;
}

/**
 * Reads the kubeconfig (or the in-cluster service account) once at start-up and builds one KubeConfig per usable
 * context. A context named in K8S_CONTEXTS or K8S_CONTEXT that does not exist stops start-up.
 */
export function loadContexts(config: Readonly<K8sConfig>): {
  contexts: Map<string, ContextInfo>;
  defaultContext: string | undefined;
} {
  const base = new KubeConfig();
  const problems: string[] = [];
  if (config.inCluster) {
    try {
      base.loadFromCluster();
    } catch (error) {
      problems.push(`inCluster (K8S_IN_CLUSTER): ${(error as Error).message}`);
    }
  } else if (config.kubeconfig) {
    try {
      base.loadFromFile(config.kubeconfig);
    } catch (error) {
      problems.push(
        `kubeconfig (K8S_KUBECONFIG): ${config.kubeconfig} is not a valid kubeconfig: ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
  const names = base.getContexts().map((c) => c.name);
  for (const name of config.contexts) {
    if (!names.includes(name))
      problems.push(`contexts (K8S_CONTEXTS): no context "${name}" in the kubeconfig (it has: ${names.join(', ') || 'none'})`);
  }
  if (config.context && !names.includes(config.context)) {
    problems.push(
      `context (K8S_CONTEXT): no context "${config.context}" in the kubeconfig (it has: ${names.join(', ') || 'none'})`,
    );
  }
  for (const name of Object.keys(config.contextNamespaces)) {
    if (!names.includes(name))
      problems.push(`contextNamespaces (K8S_CONTEXT_NAMESPACES): no context "${name}" in the kubeconfig`);
  }
  if (problems.length > 0) throw new ConfigError('k8s', problems);
  const contexts = new Map<string, ContextInfo>();
  for (const context of base.getContexts()) {
    if (config.contexts.length > 0 && !config.contexts.includes(context.name)) continue;
    const cluster = base.getCluster(context.cluster);
    if (!cluster) continue;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: base.clusters,
      users: base.users,
      contexts: base.contexts,
      currentContext: context.name,
    });
    contexts.set(context.name, {
      name: context.name,
      cluster: cluster.name,
      server: cluster.server,
      defaultNamespace: context.namespace ?? 'default',
      kubeConfig,
    });
  }
  const current = config.context ?? (contexts.has(base.currentContext) ? base.currentContext : contexts.keys().next().value);
  return { contexts, defaultContext: current };
}
