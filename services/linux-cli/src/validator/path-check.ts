import { posix } from 'node:path';
import { isInside, isInsideAny } from '../fs/real-path.ts';
import type { PathUse } from './analysis.ts';
import { refuse } from './refusal.ts';

/** Resolves absolute paths like `realpath -m`: locally through the file system, remotely over SSH. */
export interface PathResolver {
  resolve(paths: readonly string[]): Promise<{ real: string; exists: boolean | undefined }[]>;
}

export interface PathCheckOptions {
  /** Allowed roots, as real paths. */
  roots: readonly string[];
  /** The working directory, as a real path inside the roots. */
  cwd: string;
  /** What `~` means; undefined refuses `~` paths. */
  home: string | undefined;
  /** Paths no command may touch (policy file, audit log, backups, keys), as real paths. */
  protectedPaths: readonly string[];
  resolver: PathResolver;
}

export interface CheckedPath {
  raw: string;
  command: string;
  access: PathUse['access'];
  real: string;
  /** A truncating redirection onto a file that exists (or may exist): destructive. */
  truncatesExisting: boolean;
}

/** Device files that carry no risk: reading or writing them touches no disk. */
const SAFE_DEVICES = new Set([
  '/dev/null',
  '/dev/zero',
  '/dev/stdin',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/random',
  '/dev/urandom',
]);

function isSafeDevice(path: string): boolean {
  return SAFE_DEVICES.has(path) || /^\/dev\/fd\/\d+$/.test(path);
}

function hasGitComponent(path: string): boolean {
  return path.split('/').includes('.git');
}

function checkSystemArea(path: string, use: PathUse): void {
  if (isSafeDevice(path)) return;
  if (path === '/dev' || path.startsWith('/dev/')) {
    refuse('forbidden-device', `${use.command}: ${use.raw} is a device path (${path}); device files are off limits`, use.command);
  }
  if (use.access === 'write' && (path.startsWith('/proc/') || path.startsWith('/sys/'))) {
    refuse('forbidden-kernel-write', `${use.command}: writing ${path} changes the running kernel; forbidden`, use.command);
  }
}

/** The absolute paths a raw argument may stand for (with `~` both as the shell's HOME and as a literal name). */
function interpretations(use: PathUse, options: PathCheckOptions): string[] {
  const raw = use.raw;
  if (raw.startsWith('/')) return [posix.normalize(raw)];
  const out: string[] = [];
  if (raw === '~' || raw.startsWith('~/')) {
    if (options.home === undefined)
      refuse('tilde', `${use.command}: ${raw}: ~ paths are not supported here; use an absolute path`, use.command);
    out.push(posix.join(options.home, raw.slice(1)));
  }
  const bases = use.bases ? use.bases.map((base) => posix.resolve(options.cwd, base)) : [options.cwd];
  for (const base of bases) out.push(posix.resolve(base, raw));
  return out;
}

/**
 * Checks every path a command would touch: NUL bytes, `..` escapes (the lexical path must stay inside the roots),
 * symbolic-link escapes (so must the real path), device files, protected files and `.git` internals for writes.
 */
export async function checkPaths(uses: readonly PathUse[], options: PathCheckOptions): Promise<CheckedPath[]> {
  const pending: { use: PathUse; lexical: string }[] = [];
  for (const use of uses) {
    if (use.raw.includes('\0')) refuse('nul', `${use.command}: a path contains a NUL byte`, use.command);
    for (const lexical of interpretations(use, options)) {
      if (isSafeDevice(lexical)) continue;
      checkSystemArea(lexical, use);
      if (!isInsideAny(lexical, options.roots)) {
        refuse(
          'outside-roots',
          `${use.command}: ${JSON.stringify(use.raw)} resolves to ${lexical}, outside the allowed roots (${options.roots.join(', ')})`,
          use.command,
        );
      }
      pending.push({ use, lexical });
    }
  }
  const resolved = await options.resolver.resolve(pending.map((p) => p.lexical));
  const out: CheckedPath[] = [];
  pending.forEach(({ use, lexical }, index) => {
    const { real, exists } = resolved[index] as { real: string; exists: boolean | undefined };
    checkSystemArea(real, use);
    if (!isSafeDevice(real) && !isInsideAny(real, options.roots)) {
      refuse(
        'symlink-escape',
        `${use.command}: ${JSON.stringify(use.raw)} leads through a symbolic link to ${real}, outside the allowed roots`,
        use.command,
      );
    }
    for (const candidate of [lexical, real]) {
      const hit = options.protectedPaths.find(
        (p) => isInside(candidate, p) || (use.access === 'write' && isInside(p, candidate)),
      );
      if (hit)
        refuse(
          'protected-path',
          `${use.command}: ${use.raw} is under ${hit}, which the service protects (policy, audit log, backups, keys)`,
          use.command,
        );
      if (use.access === 'write' && hasGitComponent(candidate)) {
        refuse(
          'git-internals',
          `${use.command}: writing inside .git (${candidate}) is refused: hooks and config there run commands`,
          use.command,
        );
      }
    }
    out.push({
      raw: use.raw,
      command: use.command,
      access: use.access,
      real,
      truncatesExisting: !!use.truncate && exists !== false,
    });
  });
  return out;
}
