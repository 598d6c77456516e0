import { decodeCursor, encodeCursor, ToolError } from '@switchboard/shared';
import { type JsonRpcResponse, type RequestId, resultMessage } from '../json-rpc.ts';
import type { Access } from '../policy/access.ts';
import type { NamespaceView, Registry } from '../registry/registry.ts';
import type { ToolListing } from '../upstream/catalogue.ts';

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** The aggregated list of a kind, as this caller may see it (filtered once per registry and policy version). */
function aggregated(registry: Registry, access: Access, kind: ListKind): readonly unknown[] {
  switch (kind) {
    case 'tools':
      return access.memo(registry.toolList, () =>
        registry.toolList.filter((_, i) => {
          const route = registry.toolRoutes[i];
          if (!route) return false;
          const namespace = route.kind === 'local' ? route.namespace : route.upstream.namespace;
          return access.mayCallTool({ namespace, tool: route.name, listing: route.listing });
        }),
      );
    case 'prompts':
      return access.memo(registry.promptList, () =>
        registry.promptList.filter((_, i) => access.mayUsePrompts(registry.promptRoutes[i]?.upstream.namespace ?? '')),
      );
    case 'resources':
      return access.memo(registry.resourceList, () =>
        registry.resourceList.filter((_, i) => access.mayUseResources(registry.resourceOwners[i]?.namespace ?? '')),
      );
    case 'resourceTemplates':
      return access.memo(registry.templateList, () =>
        registry.templateList.filter((_, i) => access.mayUseResources(registry.templateOwners[i]?.namespace ?? '')),
      );
  }
}

/** One upstream's own list of a kind (`/mcp/<namespace>`), as this caller may see it. */
function pinned(view: NamespaceView, access: Access, kind: ListKind): readonly unknown[] {
  const namespace = view.upstream.namespace;
  switch (kind) {
    case 'tools':
      return access.memo(view.tools, () =>
        view.tools.filter((t: ToolListing) => access.mayCallTool({ namespace, tool: t.name, listing: t })),
      );
    case 'prompts':
      return access.mayUsePrompts(namespace) ? view.prompts : [];
    case 'resources':
      return access.mayUseResources(namespace) ? view.resources : [];
    case 'resourceTemplates':
      return access.mayUseResources(namespace) ? view.templates : [];
  }
}

/**
 * A page of tools/list, prompts/list, resources/list or resources/templates/list: only what the caller's roles let it
 * use (quarantined tools are not in the registry at all), one cursor over every upstream.
 */
export function listPage(
  registry: Registry,
  view: NamespaceView | undefined,
  access: Access,
  id: RequestId,
  kind: ListKind,
  cursor: unknown,
  pageSize: number,
): JsonRpcResponse {
  const items = view ? pinned(view, access, kind) : aggregated(registry, access, kind);
  // The kit's cursors, bound to the list they page (a tools cursor is refused by prompts/list).
  const offset = cursor === undefined ? 0 : Number(decodeCursor<{ o?: unknown }>(String(cursor), kind).o);
  if (!Number.isInteger(offset) || offset < 0) throw new ToolError('INVALID_ARGUMENT', 'cursor is malformed');
  const page = items.slice(offset, offset + pageSize);
  const result: Record<string, unknown> = { [kind]: page };
  if (offset + pageSize < items.length) result.nextCursor = encodeCursor({ o: offset + pageSize }, kind);
  return resultMessage(id, result);
}
