import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, ToolError, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { resolveFilePath } from '../fs/file-paths.ts';
import { globToRegExp } from '../fs/glob.ts';
import { isInsideAny } from '../fs/real-path.ts';
import { audited } from '../safety/audited.ts';

const matchSchema = z.object({
  path: z.string().describe('Relative to the search directory'),
  type: z.enum(['file', 'directory', 'symlink', 'other']),
});

export const searchFiles = defineTool({
  name: 'searchFiles',
  title: 'Search for files',
  description:
    'Finds files under a directory inside the roots whose name (or relative path) matches a glob (*, **, ?, [..], {a,b}). Does not follow symbolic links; stops after a capped number of entries scanned (scanTruncated says so). Paged.',
  input: z.object({
    path: z.string().min(1).max(4096).optional().describe('Directory to search (default: the first root)'),
    pattern: z.string().min(1).max(500).describe('Glob, e.g. *.log or src/**/*.ts'),
    matchPath: z.boolean().default(false).describe('Match the glob against the relative path instead of the name'),
    type: z.enum(['file', 'directory', 'any']).default('any'),
    maxDepth: z.number().int().min(0).max(64).default(20),
    ...pageInput({ defaultLimit: 100, maxLimit: 1000 }),
  }),
  output: z.object({ ...pageOutput(matchSchema), scanned: z.number().int(), scanTruncated: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  truncationHint: 'page with cursor, or narrow the pattern',
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'searchFiles', async (record) => {
      const base = await resolveFilePath(args.path ?? (ctx.clients.roots[0] as string), ctx.clients);
      record.path = base.path;
      if (!base.exists || !base.stat?.isDirectory())
        throw new ToolError('NOT_FOUND', `${args.path} is not an existing directory`);
      const { limit, cursor, ...query } = args;
      const scope = { tool: 'searchFiles', base: base.path, ...query };
      const after = cursor ? decodeCursor<{ p: string }>(cursor, scope).p : undefined;
      const regex = globToRegExp(args.pattern);
      const maxScanned = ctx.config.searchMaxScanned;
      const matches: z.infer<typeof matchSchema>[] = [];
      let scanned = 0;
      let truncated = false;
      let total = 0;
      const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
        const entries = (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
        for (const entry of entries) {
          if (scanned >= maxScanned) {
            truncated = true;
            return;
          }
          scanned += 1;
          const relPath = rel ? `${rel}/${entry.name}` : entry.name;
          const full = join(dir, entry.name);
          if (ctx.clients.protectedPaths.some((p) => isInsideAny(full, [p]))) continue;
          const type = entry.isSymbolicLink() ? 'symlink' : entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
          const typeOk = args.type === 'any' || args.type === type;
          if (typeOk && regex.test(args.matchPath ? relPath : entry.name)) {
            total += 1;
            if (after === undefined || relPath > after) matches.push({ path: relPath, type });
          }
          if (entry.isDirectory() && depth < args.maxDepth) await walk(full, relPath, depth + 1);
        }
      };
      await walk(base.path, '', 0);
      matches.sort((a, b) => (a.path < b.path ? -1 : 1));
      const page = matches.slice(0, limit);
      record.ran = true;
      return {
        ...fitPage(page, {
          total,
          capBytes: ctx.config.outputCapBytes,
          hasMore: matches.length > limit,
          cursorAfter: (item) => encodeCursor({ p: item.path }, scope),
        }),
        scanned,
        scanTruncated: truncated,
      };
    }),
});
