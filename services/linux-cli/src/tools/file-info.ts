import { lstat, readlink } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { defineTool, ToolError, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { resolveFilePath } from '../fs/file-paths.ts';
import { audited } from '../safety/audited.ts';
import { entryTypeOf, entryTypeSchema, modeString } from './entry-view.ts';

export const fileInfo = defineTool({
  name: 'fileInfo',
  title: 'File information',
  description:
    'Type, size, mode, owner and times of a path inside the allowed roots; for a symbolic link also its target (which must resolve inside the roots too).',
  input: z.object({ path: z.string().min(1).max(4096).describe('Absolute, or relative to the first root') }),
  output: z.object({
    path: z.string().describe('The real path, symbolic links followed'),
    exists: z.boolean(),
    type: entryTypeSchema.optional(),
    size: z.number().int().optional(),
    mode: z.string().optional(),
    uid: z.number().int().optional(),
    gid: z.number().int().optional(),
    mtime: z.string().optional(),
    ctime: z.string().optional(),
    isSymlink: z.boolean().describe('Whether the path as given is a symbolic link'),
    linkTarget: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'fileInfo', async (record) => {
      const file = await resolveFilePath(args.path, ctx.clients);
      record.path = file.path;
      const given = isAbsolute(args.path) ? resolve(args.path) : resolve(ctx.clients.roots[0] as string, args.path);
      const link = await lstat(given).catch(() => undefined);
      const isSymlink = link?.isSymbolicLink() ?? false;
      record.ran = true;
      if (!file.exists || !file.stat) {
        if (isSymlink) throw new ToolError('NOT_FOUND', `${args.path} is a dangling symbolic link`);
        return { path: file.path, exists: false, isSymlink };
      }
      const stat = file.stat;
      return {
        path: file.path,
        exists: true,
        type: entryTypeOf(stat),
        size: stat.size,
        mode: modeString(stat),
        uid: stat.uid,
        gid: stat.gid,
        mtime: stat.mtime.toISOString(),
        ctime: stat.ctime.toISOString(),
        isSymlink,
        ...(isSymlink ? { linkTarget: await readlink(given) } : {}),
      };
    }),
});
