import { statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface HostUser {
  uid: number;
  gid: number;
}

/**
 * The first directory above `path` that `user` may not walk through (no execute permission for it), or undefined
 * when every one lets it pass. Judged on the mode bits, as the kernel would for a user without capabilities.
 */
export function blockingDirectory(path: string, user: HostUser): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const info = statSync(dir, { throwIfNoEntry: false });
    if (!info) return dir;
    const bit = info.uid === user.uid ? 0o100 : info.gid === user.gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) return dir;
    if (dir === '/') return undefined;
  }
}
