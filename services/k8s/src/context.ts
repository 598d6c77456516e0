import { type RequestContext, type ToolContext, ToolError } from '@switchboard/shared';
import type { CallOptions, ClusterClient } from './cluster/cluster-client.ts';
import type { K8sConfig } from './config.ts';
import type { Access, NamespacePolicy } from './policy/namespaces.ts';
import type { SecretIndex } from './secrets/secret-index.ts';

export interface K8sClients {
  /** The client of a context (the default one when unnamed); NOT_FOUND for an unknown or disallowed context. */
  cluster(name?: string): ClusterClient;
  contexts(): ClusterClient[];
  defaultContext: string | undefined;
  policy: NamespacePolicy;
  secrets: SecretIndex;
}

export type K8sToolContext = ToolContext<K8sConfig, K8sClients>;
export type K8sRequestContext = RequestContext<K8sConfig, K8sClients>;

export function callOptions(ctx: K8sRequestContext, timeoutMs = ctx.config.callTimeoutMs): CallOptions {
  return { signal: ctx.signal, timeoutMs };
}

/** A resolved call target: the context's client and the namespace, already checked against the allowlist. */
export interface Target {
  k: ClusterClient;
  namespace: string;
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
}

export function target(
  ctx: K8sRequestContext,
  args: { context?: string | undefined; namespace?: string | undefined },
  access: Access,
): Target {
  const k = ctx.clients.cluster(args.context);
  const namespace = args.namespace ?? k.defaultNamespace;
  ctx.clients.policy.check(k.name, namespace, access);
  return { k, namespace, call: (what, fn) => k.call(what, callOptions(ctx), fn) };
}

/** Like target, for list tools that may span every namespace (`allNamespaces`). */
export function listTarget(
  ctx: K8sRequestContext,
  args: { context?: string | undefined; namespace?: string | undefined; allNamespaces?: boolean | undefined },
): Omit<Target, 'namespace'> & { namespace: string | undefined } {
  if (!args.allNamespaces) return target(ctx, args, 'read');
  if (args.namespace) throw new ToolError('INVALID_ARGUMENT', 'give either namespace or allNamespaces, not both');
  const k = ctx.clients.cluster(args.context);
  ctx.clients.policy.checkAllNamespaces(k.name);
  return { k, namespace: undefined, call: (what, fn) => k.call(what, callOptions(ctx), fn) };
}
