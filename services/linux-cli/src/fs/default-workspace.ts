import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '@switchboard/shared';
import { blockingDirectory, type HostUser } from './reachable.ts';
import { isInside } from './real-path.ts';

/** Where the default workspaces go when the data directory lies where the sandbox user cannot pass. */
export const SYSTEM_WORKSPACES = '/var/lib/switchboard/linux-cli';

/**
 * The default workspace (no LINUX_CLI_ROOTS): `<dataDir>/linux-cli/workspace`, created. When the service runs as root
 * it belongs to the sandbox user, who must also be able to walk to it: the service lets it through the data
 * directories it owns (search permission only, never listing). When something above the data directory stops the
 * sandbox user anyway (a checkout in root's 0700 home), the workspace is made below /var/lib/switchboard instead,
 * named after the data directory, and the log says so.
 */
export function defaultWorkspace(workspace: string, dataDir: string, owner: HostUser | undefined, log: Logger): string {
  if (!owner) {
    mkdirSync(workspace, { recursive: true, mode: 0o750 });
    return workspace;
  }
  const data = resolve(dataDir);
  mkdirSync(workspace, { recursive: true, mode: 0o750 });
  const blocked = blockingDirectory(data, owner);
  let chosen = workspace;
  if (blocked) {
    const id = createHash('sha256').update(data).digest('hex').slice(0, 12);
    chosen = join(SYSTEM_WORKSPACES, `workspace-${id}`);
    mkdirSync(dirname(chosen), { recursive: true, mode: 0o755 });
    mkdirSync(chosen, { recursive: true, mode: 0o750 });
    log.warn(
      { workspace: chosen, blockedBy: blocked, sandboxUser: `${owner.uid}:${owner.gid}` },
      `the sandbox user cannot pass ${blocked}, above the data directory; the default workspace is ${chosen} instead (set LINUX_CLI_ROOTS to choose one)`,
    );
  } else {
    for (let dir = dirname(workspace); isInside(dir, data); dir = dirname(dir)) chmodSync(dir, statSync(dir).mode | 0o001);
  }
  chownSync(chosen, owner.uid, owner.gid);
  return chosen;
}
