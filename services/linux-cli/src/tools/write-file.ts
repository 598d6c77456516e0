import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { defineTool, ToolError, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { resolveFilePath } from '../fs/file-paths.ts';
import { makeParents } from '../fs/new-entries.ts';
import { audited } from '../safety/audited.ts';
import { hostUser } from '../sandbox/setup-sandbox.ts';

export const modeSchema = z
  .string()
  .regex(/^0?[0-7]{3}$/, 'a mode is three octal digits such as 644 (no setuid, setgid or sticky bits)')
  .describe('Permissions for a new file, e.g. 644; an existing file keeps its own');

export const writeFile = defineTool({
  name: 'writeFile',
  title: 'Write a file',
  description:
    "Writes a whole file inside the allowed roots atomically (temporary file, then rename). An existing file is first copied to the backup directory (restoreBackup puts it back) and keeps its mode and owner; writing the same content again changes nothing. Files under .git and the service's own files are refused.",
  input: z.object({
    path: z.string().min(1).max(4096).describe('Absolute, or relative to the first root'),
    content: z.string(),
    encoding: z.enum(['utf8', 'base64']).default('utf8'),
    createParents: z.boolean().default(false).describe('Create missing parent directories (inside the roots)'),
    mode: modeSchema.optional(),
  }),
  output: z.object({
    path: z.string(),
    bytesWritten: z.number().int(),
    created: z.boolean(),
    unchanged: z.boolean().describe('True when the file already had this content (nothing written, no backup)'),
    backupId: z.string().optional().describe('The backup of the previous version; pass to restoreBackup'),
    sha256: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(
      ctx,
      'writeFile',
      async (record) => {
        record.path = args.path;
        const data = Buffer.from(args.content, args.encoding);
        if (data.length > ctx.config.maxWriteBytes) {
          throw new ToolError(
            'INVALID_ARGUMENT',
            `the content is ${data.length} bytes, over the ${ctx.config.maxWriteBytes}-byte limit`,
          );
        }
        const file = await resolveFilePath(args.path, ctx.clients, { forWrite: true, createParents: args.createParents });
        record.path = file.path;
        const sha256 = createHash('sha256').update(data).digest('hex');
        if (file.exists) {
          if (!file.stat?.isFile()) throw new ToolError('INVALID_ARGUMENT', `${args.path} exists and is not a regular file`);
          const current = await readFile(file.path);
          if (current.equals(data)) return { path: file.path, bytesWritten: 0, created: false, unchanged: true, sha256 };
          const mode = file.stat.mode & 0o777;
          const backup = await ctx.clients.backups.save(file.path, current, mode, {
            caller: ctx.caller.id,
            correlationId: ctx.correlationId,
          });
          record.backupId = backup.id;
          record.ran = true;
          await writeFileAtomic(file.path, data, { mode, uid: file.stat.uid, gid: file.stat.gid });
          return { path: file.path, bytesWritten: data.length, created: false, unchanged: false, backupId: backup.id, sha256 };
        }
        const owner = hostUser(ctx.config);
        if (args.createParents) await makeParents(dirname(file.path), owner);
        record.ran = true;
        await writeFileAtomic(file.path, data, { mode: args.mode ? Number.parseInt(args.mode, 8) : 0o644, ...owner });
        return { path: file.path, bytesWritten: data.length, created: true, unchanged: false, sha256 };
      },
      { once: true },
    ),
});
