import { type Redactor, ToolError } from '@switchboard/shared';
import type { CallOptions, ClusterClient } from '../cluster/cluster-client.ts';
import { registerSecretValues, secretsReferencedBy } from './masking.ts';

/**
 * Learns the Secret values of a namespace before a tool shows anything from it (logs, exec, events, objects),
 * so the redactor can replace them even where they appear in free text. One list per namespace per cache window.
 * Logs and exec fail closed: if the Secrets a pod reads cannot be read, masking cannot be promised and the call
 * is refused.
 */
export class SecretIndex {
  readonly #redactor: Redactor;
  readonly #ttlMs: number;
  readonly #primed = new Map<string, { at: number; complete: boolean }>();

  constructor(redactor: Redactor, ttlMs: number) {
    this.#redactor = redactor;
    this.#ttlMs = ttlMs;
  }

  /** Lists the namespace's Secrets (all namespaces when undefined) and registers their values. */
  async prime(client: ClusterClient, namespace: string | undefined, options: CallOptions): Promise<boolean> {
    const key = `${client.name}/${namespace ?? '*'}`;
    const cached = this.#primed.get(key) ?? this.#primed.get(`${client.name}/*`);
    if (cached && Date.now() - cached.at < this.#ttlMs) return cached.complete;
    let complete = true;
    try {
      let token: string | undefined;
      do {
        const page = await client.call(`list secrets in ${namespace ?? 'all namespaces'}`, options, () =>
          namespace === undefined
            ? client.core.listSecretForAllNamespaces({ limit: 500, ...(token ? { _continue: token } : {}) })
            : client.core.listNamespacedSecret({ namespace, limit: 500, ...(token ? { _continue: token } : {}) }),
        );
        for (const secret of page.items) registerSecretValues(secret as unknown as Record<string, unknown>, this.#redactor);
        token = page.metadata?._continue;
      } while (token);
    } catch (error) {
      if (!(error instanceof ToolError) || (error.code !== 'PERMISSION_DENIED' && error.code !== 'NOT_FOUND')) throw error;
      complete = false;
    }
    this.#primed.set(key, { at: Date.now(), complete });
    return complete;
  }

  /**
   * Makes sure every Secret the pod reads is known to the redactor, or refuses (fail closed). The referenced
   * Secrets are read afresh each time (one created after the namespace was listed is still masked).
   */
  async guardPod(client: ClusterClient, pod: Record<string, unknown>, options: CallOptions, tool: string): Promise<void> {
    const metadata = pod.metadata as { name: string; namespace: string };
    const listed = await this.prime(client, metadata.namespace, options);
    for (const name of secretsReferencedBy(pod)) {
      try {
        const secret = await client.call(`read secret ${name}`, options, () =>
          client.core.readNamespacedSecret({ name, namespace: metadata.namespace }),
        );
        registerSecretValues(secret as unknown as Record<string, unknown>, this.#redactor);
      } catch (error) {
        if (error instanceof ToolError && error.code === 'NOT_FOUND') continue;
        if (error instanceof ToolError && error.code === 'PERMISSION_DENIED') {
          if (listed) continue;
          throw new ToolError(
            'PERMISSION_DENIED',
            `${tool} refused: pod ${metadata.namespace}/${metadata.name} reads Secret "${name}", which this service cannot read, so its value could not be masked in the output; grant the service account get on secrets in ${metadata.namespace}`,
            { details: { secretName: name, namespace: metadata.namespace } },
          );
        }
        throw error;
      }
    }
  }
}
