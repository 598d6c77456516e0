import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type KitConfig, type Logger } from '@switchboard/shared';
import type { LinuxCliConfig } from '../config.ts';
import { blockingDirectory } from '../fs/reachable.ts';
import { isInside } from '../fs/real-path.ts';
import { createBwrapSandbox, NO_SANDBOX, probeSandbox, type Sandbox, type SandboxOptions } from './sandbox.ts';

export const PRLIMIT = '/usr/bin/prlimit';

/** The sandbox user as uid and gid (LINUX_CLI_SANDBOX_USER, `uid` or `uid:gid`). */
export function sandboxUser(config: Pick<LinuxCliConfig, 'sandboxUser'>): { uid: number; gid: number } {
  const [uid, gid] = config.sandboxUser.split(':').map(Number) as [number, number | undefined];
  return { uid, gid: gid ?? uid };
}

/** The host user that owns what commands create: the sandbox user when the service is root, else the service's own. */
export function hostUser(config: Readonly<LinuxCliConfig>): { uid: number; gid: number } | undefined {
  if (config.sandbox === 'off' || process.getuid?.() !== 0) return undefined;
  return sandboxUser(config);
}

function writableBy(path: string, user: { uid: number; gid: number }): boolean {
  const info = statSync(path);
  if (info.uid === user.uid) return (info.mode & 0o300) === 0o300;
  if (info.gid === user.gid) return (info.mode & 0o030) === 0o030;
  return (info.mode & 0o003) === 0o003;
}

export interface SandboxSetup {
  config: Readonly<LinuxCliConfig & KitConfig>;
  roots: readonly string[];
  home: string;
  protectedPaths: readonly string[];
  log: Logger;
}

/**
 * The sandbox local commands run in. On by default; start-up fails with what is wrong when bubblewrap is missing or
 * cannot make namespaces here, unless the operator set LINUX_CLI_SANDBOX=off (then a loud warning, repeated by
 * describePolicy and /health).
 */
export function setupSandbox(input: SandboxSetup): Sandbox {
  const { config, log } = input;
  if (config.sandbox === 'off') {
    log.warn(
      { sandbox: 'off' },
      'LINUX_CLI_SANDBOX=off: commands run WITHOUT the OS sandbox, as the service user; the validator is the only boundary',
    );
    return NO_SANDBOX;
  }
  const exposed = config.sandboxReadPaths.flatMap((path) => {
    const hit = [...input.protectedPaths, resolve(config.dataDir)].find((p) => isInside(p, path) || isInside(path, p));
    return hit ? [`sandboxReadPaths (LINUX_CLI_SANDBOX_READ_PATHS): ${path} would show ${hit} to every command`] : [];
  });
  if (exposed.length > 0) throw new ConfigError('linux-cli', exposed);
  const user = sandboxUser(config);
  const host = hostUser(config);
  const options: SandboxOptions = {
    bwrap: config.sandboxBwrap,
    prlimit: PRLIMIT,
    layout: {
      roots: input.roots,
      readPaths: config.sandboxReadPaths,
      hidden: input.protectedPaths,
      home: input.home,
      uid: user.uid,
      gid: user.gid,
      tmpBytes: config.sandboxTmpBytes,
      hostUser: host,
    },
    limits: {
      processes: config.sandboxMaxProcesses,
      cpuSeconds: config.sandboxCpuSeconds,
      fileBytes: config.sandboxMaxFileBytes,
      memoryBytes: config.sandboxMemoryBytes,
      openFiles: config.sandboxMaxOpenFiles,
    },
    ...(host ? { hostUser: host } : {}),
  };
  if (host) {
    const blocked = input.roots.flatMap((root) => {
      const dir = blockingDirectory(`${root}/.`, host);
      return dir
        ? [
            `root ${root}: the sandbox user ${host.uid}:${host.gid} cannot reach it (no search permission on ${dir}); chmod o+x the directories above it, or set LINUX_CLI_SANDBOX_USER to a user that can`,
          ]
        : [];
    });
    if (blocked.length > 0) throw new ConfigError('linux-cli', blocked);
  }
  const problem = probeSandbox(options, input.roots[0] as string);
  if (problem) {
    throw new ConfigError('linux-cli', [
      `sandbox (LINUX_CLI_SANDBOX=bwrap): ${problem}. Fix that, or set LINUX_CLI_SANDBOX=off to run commands without the sandbox (not recommended)`,
    ]);
  }
  if (host) {
    for (const root of input.roots) {
      if (!writableBy(root, host)) {
        log.warn(
          { root, sandboxUser: config.sandboxUser },
          'the sandbox user cannot write this root; commands that change files there will fail (chown -R it to LINUX_CLI_SANDBOX_USER)',
        );
      }
    }
  }
  return createBwrapSandbox(options);
}
