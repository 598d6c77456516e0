import { ToolError } from '@switchboard/shared';
import { CaptureBuffer } from '../exec/capture-buffer.ts';
import { hardeningEnv } from '../exec/child-env.ts';
import type { PathResolver } from '../validator/path-check.ts';
import { shellJoin, shellQuote } from './shell-quote.ts';
import type { SshSession } from './ssh-session.ts';

export interface RemoteCommandOptions {
  argv: readonly string[];
  cwd: string;
  path: string;
  lang: string;
  env: Readonly<Record<string, string>>;
  timeoutMs: number;
  killGraceMs: number;
}

/**
 * The command line sent to the remote shell: every argv word single-quoted (nothing in it is interpreted), a
 * minimal environment, and GNU `timeout` as a backstop that kills the remote process group one second after our
 * own deadline, should closing the channel not end it.
 */
export function remoteCommandLine(options: RemoteCommandOptions): string {
  const seconds = Math.ceil(options.timeoutMs / 1000) + 1;
  const grace = Math.max(1, Math.ceil(options.killGraceMs / 1000));
  const env = Object.entries({ ...options.env, ...hardeningEnv() }).map(([name, value]) => `${name}=${shellQuote(value)}`);
  return [
    `cd -- ${shellQuote(options.cwd)} &&`,
    `exec env -i PATH=${shellQuote(options.path)} HOME="$HOME" LANG=${shellQuote(options.lang)}`,
    ...env,
    `timeout -k ${grace}s ${seconds}s`,
    shellJoin(options.argv),
  ].join(' ');
}

/** Resolves paths on the remote host with `realpath -m -z` (GNU coreutils), one round trip per batch. */
export function remotePathResolver(session: SshSession, path: string): PathResolver {
  return {
    resolve: async (paths) => {
      if (paths.length === 0) return [];
      const stdout = new CaptureBuffer(1024 * 1024, 'head');
      const stderr = new CaptureBuffer(64 * 1024, 'head');
      const result = await session.exec(`exec env -i PATH=${shellQuote(path)} realpath -m -z -- ${shellJoin(paths)}`, {
        stdout,
        stderr,
        timeoutMs: 15_000,
      });
      const out = stdout.slice(0, stdout.end).data.toString('utf8').split('\0');
      if (result.exitCode !== 0 || out.length < paths.length) {
        throw new ToolError(
          'DEPENDENCY_UNAVAILABLE',
          `cannot resolve paths on the remote host (realpath -m): ${stderr.slice(0, 500).data.toString('utf8').trim() || `exit ${result.exitCode}`}`,
        );
      }
      return paths.map((_, i) => ({ real: out[i] as string, exists: undefined }));
    },
  };
}
