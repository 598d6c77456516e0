import { ToolError } from '@switchboard/shared';
import { CaptureBuffer } from '../exec/capture-buffer.ts';
import { hardeningEnv } from '../exec/child-env.ts';
import type { PathResolver, ResolvedPath } from '../validator/path-check.ts';
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

/**
 * For each path: its `realpath -m`, what it is (d, f, o or m for missing), and the nearest directory at or above it
 * that git would take for a repository (empty for none), each ended by a NUL. POSIX sh and GNU realpath.
 */
const RESOLVE_SCRIPT = [
  'for p do',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, not a template
  '  r=$(realpath -m -- "$p" && echo x) || exit 3; r=${r%x}; r=${r%?}',
  '  if [ -d "$r" ]; then k=d; elif [ -f "$r" ]; then k=f; elif [ -e "$r" ] || [ -L "$r" ]; then k=o; else k=m; fi',
  '  g=; d=$r',
  '  while :; do',
  '    if [ -f "$d/HEAD" ] && [ -d "$d/objects" ] && [ -d "$d/refs" ]; then g=$d; break; fi',
  '    [ "$d" = / ] && break; d=$(dirname -- "$d")',
  '  done',
  '  printf \'%s\\0%s\\0%s\\0\' "$r" "$k" "$g"',
  'done',
].join('\n');

const KINDS: Readonly<Record<string, ResolvedPath['kind']>> = { d: 'dir', f: 'file', o: 'other', m: 'missing' };

/** Resolves paths on the remote host, one round trip per batch (see RESOLVE_SCRIPT). */
export function remotePathResolver(session: SshSession, path: string): PathResolver {
  return {
    resolve: async (paths) => {
      if (paths.length === 0) return [];
      const stdout = new CaptureBuffer(1024 * 1024, 'head');
      const stderr = new CaptureBuffer(64 * 1024, 'head');
      const result = await session.exec(
        `exec env -i PATH=${shellQuote(path)} sh -c ${shellQuote(RESOLVE_SCRIPT)} sh ${shellJoin(paths)}`,
        { stdout, stderr, timeoutMs: 15_000 },
      );
      const fields = stdout.slice(0, stdout.end).data.toString('utf8').split('\0');
      if (result.exitCode !== 0 || fields.length < paths.length * 3) {
        throw new ToolError(
          'DEPENDENCY_UNAVAILABLE',
          `cannot resolve paths on the remote host (sh, realpath -m): ${stderr.slice(0, 500).data.toString('utf8').trim() || `exit ${result.exitCode}`}`,
        );
      }
      return paths.map((_, i) => {
        const gitDir = fields[i * 3 + 2] as string;
        return {
          real: fields[i * 3] as string,
          kind: KINDS[fields[i * 3 + 1] as string] ?? 'unknown',
          ...(gitDir ? { gitDir } : {}),
        };
      });
    },
  };
}
