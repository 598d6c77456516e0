import { type SetupInput, type SetupResult, ToolError } from '@switchboard/shared';
import { ClusterClient } from './cluster/cluster-client.ts';
import { loadContexts } from './cluster/kubeconfig.ts';
import type { K8sConfig } from './config.ts';
import type { K8sClients } from './context.ts';
import { NamespacePolicy } from './policy/namespaces.ts';
import { SecretIndex } from './secrets/secret-index.ts';

export const SERVICE_VERSION = '0.1.0';

/** Builds one client per usable context; /ready checks that the default context's API server answers. */
export async function setupK8s({ config, log, redactor }: SetupInput<K8sConfig>): Promise<SetupResult<K8sClients>> {
  const { contexts, defaultContext } = loadContexts(config);
  const clients = new Map([...contexts.values()].map((info) => [info.name, new ClusterClient(info, SERVICE_VERSION)]));
  if (clients.size === 0) log.warn('no Kubernetes context configured: set K8S_KUBECONFIG or K8S_IN_CLUSTER=true');
  const k8s: K8sClients = {
    cluster: (name) => {
      if (clients.size === 0) {
        throw new ToolError(
          'DEPENDENCY_UNAVAILABLE',
          'no Kubernetes cluster is configured for this service (set K8S_KUBECONFIG or K8S_IN_CLUSTER=true)',
          { retryable: false },
        );
      }
      const chosen = name ?? defaultContext;
      const client = chosen ? clients.get(chosen) : undefined;
      if (!client)
        throw new ToolError(
          'NOT_FOUND',
          `no context "${chosen}" is available here (available: ${[...clients.keys()].join(', ')})`,
        );
      return client;
    },
    contexts: () => [...clients.values()],
    defaultContext,
    policy: new NamespacePolicy(config),
    secrets: new SecretIndex(redactor, config.secretCacheMs),
  };
  return {
    clients: k8s,
    ready: {
      kubernetes: async () => {
        const client = k8s.cluster();
        await client.call('read /version', { signal: AbortSignal.timeout(5000), timeoutMs: 5000 }, () =>
          client.version.getCode(),
        );
      },
    },
  };
}
