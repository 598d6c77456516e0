import { chown, mkdir } from 'node:fs/promises';
import { relative, sep } from 'node:path';

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * Creates a directory and its missing parents. When the service runs as root with the sandbox on, what the file
 * tools create belongs to the sandbox user, so the commands that run as that user can change it afterwards.
 */
export async function makeParents(path: string, owner: Owner | undefined): Promise<void> {
  const first = await mkdir(path, { recursive: true });
  if (!first || !owner) return;
  let current = first;
  await chown(current, owner.uid, owner.gid);
  for (const part of relative(first, path).split(sep).filter(Boolean)) {
    current = `${current}${sep}${part}`;
    await chown(current, owner.uid, owner.gid);
  }
}
