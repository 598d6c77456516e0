import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { TAG } from '../model/secret.ts';
import { summarySchema } from './shared-schemas.ts';

export const listSecrets = defineTool({
  name: 'listSecrets',
  title: 'List secrets (metadata only)',
  description:
    'Secrets by handle with their metadata (description, owner, tags, current version, expiry), never values. Filter by backend, path prefix and tags (all must match); paged with limit and cursor, with the total.',
  input: z.object({
    backend: z.string().optional().describe('Only this backend; default all'),
    prefix: z.string().max(256).optional().describe('Path prefix, e.g. db/ or db/orders'),
    tags: z.array(TAG).max(10).optional().describe('Every tag listed must be present'),
    includeDeleted: z.boolean().default(false).describe('Also list soft-deleted secrets still in their recovery window'),
    ...pageInput({ defaultLimit: 20, maxLimit: 200 }),
  }),
  output: z.object(pageOutput(summarySchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: SecretsToolContext) => {
    const { manager } = ctx.clients;
    const target = { ...(args.backend ? { backend: args.backend } : {}) };
    return manager.audited(
      ctx,
      'list',
      target,
      async () => {
        const { limit, cursor, ...filter } = args;
        const scope = { tool: 'listSecrets', filter };
        const after = cursor ? decodeCursor<{ k: string }>(cursor, scope).k : undefined;
        let found = await manager.list({ backend: args.backend, prefix: args.prefix, includeDeleted: args.includeDeleted });
        if (args.tags?.length) {
          // Backends that list keys only (Vault) leave attributes out: describe those to filter by tag.
          const described = [];
          for (const item of found) {
            const attributes = item.attributes ?? (await manager.describe({ backend: item.backend, path: item.path })).attributes;
            if (args.tags.every((tag) => attributes.tags.includes(tag))) described.push({ ...item, attributes });
          }
          found = described;
        }
        const total = found.length;
        const key = (item: { backend: string; path: string }) => `${item.backend}/${item.path}`;
        const start = after === undefined ? 0 : found.findIndex((item) => key(item) > after);
        const window = start < 0 ? [] : found.slice(start, start + limit);
        const items = [];
        for (const item of window) {
          const attributes = item.attributes ?? (await manager.describe({ backend: item.backend, path: item.path })).attributes;
          items.push({
            handle: manager.handleOf(item.backend, item.path),
            backend: item.backend,
            path: item.path,
            ...(attributes.description ? { description: attributes.description } : {}),
            ...(attributes.owner ? { owner: attributes.owner } : {}),
            tags: attributes.tags,
            ...(item.currentVersion ? { currentVersion: item.currentVersion } : {}),
            ...(item.updatedAt ? { updatedAt: item.updatedAt } : {}),
            ...(attributes.expiresAt ? { expiresAt: attributes.expiresAt } : {}),
            ...(item.deleted ? { deleted: item.deleted } : {}),
          });
        }
        return fitPage(items, {
          total,
          capBytes: ctx.config.outputCapBytes,
          hasMore: start >= 0 && start + limit < found.length,
          cursorAfter: (item) => encodeCursor({ k: `${item.backend}/${item.path}` }, scope),
        });
      },
      (page) => ({ returned: page.items.length, total: page.total }),
    );
  },
});
