import type { PipelineHost, PipelineSession, ToolTarget } from './tool-call.ts';

/**
 * Stage 6, route: which upstream (or local tool) a name means. On `/mcp` a registry lookup of the exposed name; on
 * `/mcp/<namespace>` that upstream's own name (a tool it does not list is still forwarded, as an unannotated one).
 * Routing is always a lookup, never string splitting.
 */
export function resolveTool(session: PipelineSession, host: PipelineHost, name: string): ToolTarget | undefined {
  if (!session.namespace) {
    const route = host.registry.tools.get(name);
    if (!route) return undefined;
    if (route.kind === 'local') {
      return { kind: 'local', local: route.tool, namespace: route.namespace, tool: route.name, listing: route.listing };
    }
    return {
      kind: 'upstream',
      upstream: route.upstream,
      namespace: route.upstream.namespace,
      tool: route.name,
      listing: route.listing,
    };
  }
  const upstream = host.upstreamByNamespace(session.namespace);
  if (!upstream?.allowsTool(name)) return undefined;
  const listing = upstream.catalogue?.tools.find((t) => t.name === name) ?? { name };
  return { kind: 'upstream', upstream, namespace: upstream.namespace, tool: name, listing };
}
