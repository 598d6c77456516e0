import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { refuse } from '../validator/refusal.ts';
import { gitDirAbove } from './local-resolver.ts';
import { isInside, isInsideAny, realPathLoose } from './real-path.ts';

/** Where the file tools may go. */
export interface FileScope {
  /** Allowed roots, as real paths. */
  roots: readonly string[];
  /** Paths no tool may touch (policy file, audit log, backups, keys), as real paths. */
  protectedPaths: readonly string[];
}

export interface ResolvedFile {
  /** The real path (symbolic links followed). */
  path: string;
  exists: boolean;
  stat?: Stats;
}

export interface ResolveFileOptions {
  forWrite?: boolean;
  /** For a new file: whether missing parent directories may be created (else the parent must exist). */
  createParents?: boolean;
}

/**
 * The file tools' path check, after the MCP filesystem server's: reject NUL, normalise, require the path to be
 * an allowed root or below one (prefix plus separator), then require the same of its real path (after every
 * symbolic link); for a new file, of its parent's real path. Protected files and, for writes, `.git` internals
 * and device files are refused. Relative paths are taken from the first root.
 */
export async function resolveFilePath(raw: string, scope: FileScope, options: ResolveFileOptions = {}): Promise<ResolvedFile> {
  if (raw.includes('\0')) refuse('nul', 'the path contains a NUL byte');
  const lexical = resolve(isAbsolute(raw) ? raw : resolve(scope.roots[0] as string, raw));
  if (!isInsideAny(lexical, scope.roots)) {
    refuse(
      'outside-roots',
      `${JSON.stringify(raw)} resolves to ${lexical}, outside the allowed roots (${scope.roots.join(', ')})`,
    );
  }
  let resolved: { real: string; exists: boolean };
  try {
    resolved = await realPathLoose(lexical);
  } catch (error) {
    refuse('symlink-loop', `${JSON.stringify(raw)}: ${(error as Error).message}`);
  }
  const real = resolved.real;
  if (!isInsideAny(real, scope.roots)) {
    refuse('symlink-escape', `${JSON.stringify(raw)} leads through a symbolic link to ${real}, outside the allowed roots`);
  }
  for (const candidate of [lexical, real]) {
    const hit = scope.protectedPaths.find((p) => isInside(candidate, p) || (options.forWrite && isInside(p, candidate)));
    if (hit)
      refuse(
        'protected-path',
        `${JSON.stringify(raw)} is under ${hit}, which the service protects (policy, audit log, backups, keys)`,
      );
    if (options.forWrite && candidate.split(sep).includes('.git')) {
      refuse('git-internals', `${JSON.stringify(raw)}: writing inside .git is refused: hooks and config there run commands`);
    }
  }
  if (real === '/dev' || real.startsWith('/dev/')) refuse('forbidden-device', `${JSON.stringify(raw)} is a device path`);
  const gitDir = options.forWrite ? await gitDirAbove(real) : undefined;
  if (gitDir) {
    refuse(
      'git-internals',
      `${JSON.stringify(raw)} is inside ${gitDir}, which git would use as a repository: hooks and config there run commands`,
    );
  }
  if (!resolved.exists) {
    if (options.forWrite && !options.createParents) {
      const parent = await stat(dirname(real)).catch(() => undefined);
      if (!parent?.isDirectory())
        refuse('missing-parent', `the directory of ${JSON.stringify(raw)} does not exist (set createParents to create it)`);
    }
    return { path: real, exists: false };
  }
  return { path: real, exists: true, stat: await stat(real) };
}
