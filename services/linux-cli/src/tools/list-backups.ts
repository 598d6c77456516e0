import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { resolveFilePath } from '../fs/file-paths.ts';
import { isInsideAny } from '../fs/real-path.ts';
import { audited } from '../safety/audited.ts';
import { backupViewSchema } from './backup-view.ts';

export const listBackups = defineTool({
  name: 'listBackups',
  title: 'List file backups',
  description: 'Lists the backups writeFile and restoreBackup took, newest first; of one file when path is given.',
  input: z.object({ path: z.string().min(1).max(4096).optional(), ...pageInput({ defaultLimit: 20, maxLimit: 200 }) }),
  output: z.object(pageOutput(backupViewSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  truncationHint: 'page with cursor',
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'listBackups', async (record) => {
      const real = args.path ? (await resolveFilePath(args.path, ctx.clients)).path : undefined;
      if (real) record.path = real;
      const scope = { tool: 'listBackups', path: real };
      const after = args.cursor ? decodeCursor<{ id: string }>(args.cursor, scope).id : undefined;
      const all = (await ctx.clients.backups.list(real))
        .filter((b) => isInsideAny(b.path, ctx.clients.roots))
        .map(({ id, path, size, sha256, createdAt, caller }) => ({ id, path, size, sha256, createdAt, caller }));
      const start = after ? all.findIndex((b) => b.id < after) : 0;
      const slice = start < 0 ? [] : all.slice(start, start + args.limit);
      record.ran = true;
      return fitPage(slice, {
        total: all.length,
        capBytes: ctx.config.outputCapBytes,
        hasMore: start >= 0 && start + slice.length < all.length,
        cursorAfter: (item) => encodeCursor({ id: item.id }, scope),
      });
    }),
});
