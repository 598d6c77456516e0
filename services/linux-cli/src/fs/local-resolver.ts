import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PathResolver, ResolvedPath } from '../validator/path-check.ts';
import { realPathLoose } from './real-path.ts';

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/** Whether git would take this directory for a repository: a HEAD file beside objects/ and refs/. */
export async function isGitDir(dir: string): Promise<boolean> {
  const head = await stat(join(dir, 'HEAD')).catch(() => undefined);
  return head?.isFile() === true && (await isDirectory(join(dir, 'objects'))) && (await isDirectory(join(dir, 'refs')));
}

/** The nearest directory at or above `path` that git would use as a repository. */
export async function gitDirAbove(path: string): Promise<string | undefined> {
  for (let dir = path; ; dir = dirname(dir)) {
    if (await isGitDir(dir)) return dir;
    if (dir === '/') return undefined;
  }
}

async function resolveOne(path: string): Promise<ResolvedPath> {
  const { real, exists } = await realPathLoose(path);
  const info = exists ? await stat(real).catch(() => undefined) : undefined;
  const kind = !info ? 'missing' : info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
  return { real, kind, gitDir: await gitDirAbove(real) };
}

/** Resolves paths on this machine: symbolic links followed like `realpath -m`, what exists there, git directories. */
export const localResolver: PathResolver = {
  resolve: (paths) => Promise.all(paths.map(resolveOne)),
};
