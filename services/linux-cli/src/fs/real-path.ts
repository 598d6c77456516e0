import { lstat, readlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

const MAX_LINKS = 40;

export interface RealPath {
  /** The path with every symbolic link of its existing part followed (like `realpath -m`). */
  real: string;
  /** Whether the whole path exists. */
  exists: boolean;
}

/**
 * Resolves an absolute path the way the kernel would walk it: component by component, following symbolic links
 * of the components that exist (so `link/..` goes to the parent of the link's target), then appending the
 * components that do not exist (links after a missing component are still followed). Like `realpath -m`.
 */
export async function realPathLoose(path: string): Promise<RealPath> {
  if (!isAbsolute(path)) throw new Error(`realPathLoose needs an absolute path, got ${path}`);
  let links = 0;
  const pending = path.split(sep).filter((part) => part !== '' && part !== '.');
  let current: string = sep;
  let exists = true;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    let stat: Awaited<ReturnType<typeof lstat>>;
    try {
      stat = await lstat(next);
    } catch {
      exists = false;
      current = next;
      continue;
    }
    if (stat.isSymbolicLink()) {
      links += 1;
      if (links > MAX_LINKS) throw Object.assign(new Error(`too many levels of symbolic links in ${path}`), { code: 'ELOOP' });
      const target = await readlink(next);
      const rest = target.split(sep).filter((p) => p !== '' && p !== '.');
      pending.unshift(...rest);
      if (isAbsolute(target)) current = sep;
      continue;
    }
    current = next;
  }
  return { real: resolve(current), exists };
}

/** Whether `path` is `root` or lies below it (prefix plus separator, never a mere string prefix). */
export function isInside(path: string, root: string): boolean {
  if (root === sep) return path.startsWith(sep);
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

export function isInsideAny(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => isInside(path, root));
}
