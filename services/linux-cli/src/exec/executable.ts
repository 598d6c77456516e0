import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ToolError } from '@switchboard/shared';

/** The file a command name runs: looked up in the child PATH (an absolute argv[0] was already checked to be in it). */
export async function resolveExecutable(argv0: string, pathDirs: readonly string[]): Promise<string> {
  const candidates = argv0.startsWith('/') ? [argv0] : pathDirs.map((dir) => join(dir, argv0));
  for (const candidate of candidates) {
    try {
      const info = await stat(candidate);
      if (!info.isFile()) continue;
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new ToolError('NOT_FOUND', `${basename(argv0)}: command not found in the command PATH (${pathDirs.join(':')})`, {
    details: { command: argv0 },
  });
}
