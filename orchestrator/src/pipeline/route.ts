import type { ToolRoute } from '../registry/registry.ts';
import type { PipelineHost, PipelineSession, ToolTarget } from './tool-call.ts';

/** The target of each registry route, made once (a registry lives until the next catalogue change). */
const targets = new WeakMap<ToolRoute, ToolTarget>();

function targetOf(route: ToolRoute): ToolTarget {
  let target = targets.get(route);
  if (!target) {
    target =
      route.kind === 'local'
        ? { kind: 'local', local: route.tool, namespace: route.namespace, tool: route.name, listing: route.listing }
        : {
            kind: 'upstream',
            upstream: route.upstream,
            namespace: route.upstream.namespace,
            tool: route.name,
            listing: route.listing,
          };
    targets.set(route, target);
  }
  return target;
}

/**
 * Stage 6, route: which upstream (or local tool) a name means. On `/mcp` a registry lookup of the exposed name; on
 * `/mcp/<namespace>` that upstream's own name (a tool it does not list is still forwarded, as an unannotated one).
 * Routing is always a lookup, never string splitting.
 */
export function resolveTool(session: PipelineSession, host: PipelineHost, name: string): ToolTarget | undefined {
  if (!session.namespace) {
    const route = host.registry.tools.get(name);
    return route ? targetOf(route) : undefined;
  }
  const upstream = host.upstreamByNamespace(session.namespace);
  if (!upstream?.allowsTool(name)) return undefined;
  const listing = upstream.catalogue?.tools.find((t) => t.name === name) ?? { name };
  return { kind: 'upstream', upstream, namespace: upstream.namespace, tool: name, listing };
}
