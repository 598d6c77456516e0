import { readFile } from 'node:fs/promises';
import { defineTool, ToolError, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { resolveFilePath } from '../fs/file-paths.ts';
import { audited } from '../safety/audited.ts';
import { hostUser } from '../sandbox/setup-sandbox.ts';
import { refuse } from '../validator/refusal.ts';

export const restoreBackup = defineTool({
  name: 'restoreBackup',
  title: 'Restore a backup',
  description:
    'Puts a file back as it was before a writeFile: by backupId, or the newest backup of path. The version it replaces is backed up first, so a restore can be undone the same way.',
  input: z.object({
    backupId: z.string().min(1).max(100).optional(),
    path: z.string().min(1).max(4096).optional().describe('Restore the newest backup of this file'),
  }),
  output: z.object({
    path: z.string(),
    restoredFrom: z.string(),
    bytesWritten: z.number().int(),
    unchanged: z.boolean(),
    backupOfCurrent: z.string().optional().describe('The backup of the version that was replaced'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(
      ctx,
      'restoreBackup',
      async (record) => {
        const { backups } = ctx.clients;
        let id = args.backupId;
        if (!id) {
          if (!args.path) throw new ToolError('INVALID_ARGUMENT', 'give backupId, or the path whose newest backup to restore');
          const file = await resolveFilePath(args.path, ctx.clients);
          id = (await backups.list(file.path))[0]?.id;
          if (!id) throw new ToolError('NOT_FOUND', `no backup of ${args.path}`);
        }
        const { info, data } = await backups.get(id);
        record.backupId = id;
        record.path = info.path;
        const target = await resolveFilePath(info.path, ctx.clients, { forWrite: true });
        if (target.path !== info.path)
          refuse('symlink-escape', `${info.path} now resolves to ${target.path}; refusing to restore through it`);
        const mode = info.mode & 0o777;
        if (target.exists) {
          if (!target.stat?.isFile()) throw new ToolError('INVALID_ARGUMENT', `${info.path} is no longer a regular file`);
          const current = await readFile(target.path);
          if (current.equals(data)) return { path: info.path, restoredFrom: id, bytesWritten: 0, unchanged: true };
          const saved = await backups.save(target.path, current, target.stat.mode & 0o777, {
            caller: ctx.caller.id,
            correlationId: ctx.correlationId,
          });
          record.ran = true;
          await writeFileAtomic(target.path, data, { mode, uid: target.stat.uid, gid: target.stat.gid });
          return { path: info.path, restoredFrom: id, bytesWritten: data.length, unchanged: false, backupOfCurrent: saved.id };
        }
        record.ran = true;
        await writeFileAtomic(target.path, data, { mode, ...hostUser(ctx.config) });
        return { path: info.path, restoredFrom: id, bytesWritten: data.length, unchanged: false };
      },
      { once: true },
    ),
});
