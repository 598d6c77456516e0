import { decodeCursor, defineResource, encodeCursor, ToolError } from '@switchboard/shared';
import type { CmdbRequestContext } from '../context.ts';
import { CI_TYPES, type CiType } from '../model.ts';

const PAGE = 100;

function uriOf(type: string, name: string): string {
  return `cmdb://ci/${encodeURIComponent(type)}/${encodeURIComponent(name)}`;
}

/** Every CI as a resource, `cmdb://ci/{type}/{name}`, whose contents are the item and its relationships. */
export const ciResource = defineResource({
  name: 'configuration-item',
  title: 'Configuration item',
  description: 'A CI and its relationships as JSON, addressed by type and name',
  uriTemplate: 'cmdb://ci/{type}/{name}',
  mimeType: 'application/json',
  list: async (ctx: CmdbRequestContext, cursor) => {
    const scope = { resource: 'configuration-item' };
    const after = cursor ? decodeCursor<{ t: string; n: string }>(cursor, scope) : undefined;
    const store = await ctx.clients.store();
    const page = await store.search({}, PAGE, after ? { type: after.t, name: after.n } : undefined);
    const last = page.items[page.items.length - 1];
    return {
      resources: page.items.map((item) => ({
        uri: uriOf(item.type, item.name),
        name: `${item.type}/${item.name}`,
        ...(item.environment ? { description: `${item.type} in ${item.environment}` } : {}),
        mimeType: 'application/json',
      })),
      ...(page.hasMore && last ? { nextCursor: encodeCursor({ t: last.type, n: last.name }, scope) } : {}),
    };
  },
  read: async (uri, variables, ctx: CmdbRequestContext) => {
    const type = decodeURIComponent(variables.type ?? '');
    const name = decodeURIComponent(variables.name ?? '');
    if (!(CI_TYPES as readonly string[]).includes(type)) {
      throw new ToolError('NOT_FOUND', `unknown CI type "${type}"; expected one of ${CI_TYPES.join(', ')}`);
    }
    const store = await ctx.clients.store();
    const body = await store.describe({ type: type as CiType, name }, 100);
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }];
  },
  complete: {
    type: async (value) => CI_TYPES.filter((t) => t.startsWith(value)),
    name: async (value, context, ctx: CmdbRequestContext) => {
      const type = context.type && (CI_TYPES as readonly string[]).includes(context.type) ? (context.type as CiType) : undefined;
      const store = await ctx.clients.store();
      const page = await store.search({ type, q: value || undefined }, 100);
      return [...new Set(page.items.map((i) => i.name).filter((n) => n.toLowerCase().startsWith(value.toLowerCase())))];
    },
  },
});
