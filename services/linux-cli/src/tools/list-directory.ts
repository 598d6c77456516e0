import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, ToolError, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { resolveFilePath } from '../fs/file-paths.ts';
import { audited } from '../safety/audited.ts';
import { entryTypeOf, entryTypeSchema, modeString } from './entry-view.ts';

const entrySchema = z.object({
  name: z.string(),
  type: entryTypeSchema,
  size: z.number().int(),
  mode: z.string(),
  mtime: z.string(),
  linkTarget: z.string().optional(),
});

export const listDirectory = defineTool({
  name: 'listDirectory',
  title: 'List a directory',
  description: 'Lists a directory inside the allowed roots, sorted by name, with type, size, mode and modification time; paged.',
  input: z.object({
    path: z.string().min(1).max(4096).optional().describe('Absolute, or relative to the first root (default: the first root)'),
    hidden: z.boolean().default(true).describe('Include names starting with a dot'),
    ...pageInput({ defaultLimit: 100, maxLimit: 1000 }),
  }),
  output: z.object({ path: z.string(), ...pageOutput(entrySchema) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  truncationHint: 'page with cursor or lower limit',
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'listDirectory', async (record) => {
      const dir = await resolveFilePath(args.path ?? (ctx.clients.roots[0] as string), ctx.clients);
      record.path = dir.path;
      if (!dir.exists) throw new ToolError('NOT_FOUND', `${args.path} does not exist`);
      if (!dir.stat?.isDirectory()) throw new ToolError('INVALID_ARGUMENT', `${args.path} is not a directory`);
      const scope = { tool: 'listDirectory', path: dir.path, hidden: args.hidden };
      const after = args.cursor ? decodeCursor<{ n: string }>(args.cursor, scope).n : undefined;
      const names = (await readdir(dir.path))
        .filter((name) => args.hidden || !name.startsWith('.'))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const start = after === undefined ? 0 : names.findIndex((name) => name > after);
      const chosen = start < 0 ? [] : names.slice(start, start + args.limit);
      const items = await Promise.all(
        chosen.map(async (name) => {
          const stat = await lstat(join(dir.path, name));
          const type = entryTypeOf(stat);
          return {
            name,
            type,
            size: stat.size,
            mode: modeString(stat),
            mtime: stat.mtime.toISOString(),
            ...(type === 'symlink' ? { linkTarget: await readlink(join(dir.path, name)) } : {}),
          };
        }),
      );
      record.ran = true;
      return {
        path: dir.path,
        ...fitPage(items, {
          total: names.length,
          capBytes: ctx.config.outputCapBytes,
          hasMore: start >= 0 && start + chosen.length < names.length,
          cursorAfter: (item) => encodeCursor({ n: item.name }, scope),
        }),
      };
    }),
});
