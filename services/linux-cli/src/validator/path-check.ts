import { posix } from 'node:path';
import { isInside, isInsideAny } from '../fs/real-path.ts';
import type { Risk } from '../policy/risk.ts';
import { isWriteEffect, type PathEffect, type PathUse } from './analysis.ts';
import { refuse } from './refusal.ts';

/** What a path is on the host, resolved like `realpath -m`. */
export interface ResolvedPath {
  real: string;
  kind: 'file' | 'dir' | 'other' | 'missing' | 'unknown';
  /** The nearest directory at or above the path that git would use as a repository (HEAD, objects/, refs/). */
  gitDir?: string | undefined;
}

/** Resolves absolute paths: locally through the file system, remotely over SSH. */
export interface PathResolver {
  resolve(paths: readonly string[]): Promise<ResolvedPath[]>;
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
  effect: PathEffect;
  real: string;
  /** The risk this use gives the call, and why. */
  risk: Risk;
  reason?: string;
  /** An existing file or directory this use replaces, truncates or deletes. */
  replaces: boolean;
}

/** Devices that may be read: they hold no data of the host's. */
const READABLE_DEVICES = new Set(['/dev/null', '/dev/zero', '/dev/stdin', '/dev/random', '/dev/urandom']);
/** Devices a command may open for writing (never replace, delete or change): output goes nowhere or to the call. */
const WRITABLE_DEVICES = new Set(['/dev/null', '/dev/stdout', '/dev/stderr']);

function deviceAllowed(path: string, effect: PathEffect): boolean {
  if (/^\/dev\/fd\/\d+$/.test(path)) return effect === 'read' || effect === 'write' || effect === 'append';
  if (effect === 'read') return READABLE_DEVICES.has(path);
  return (effect === 'write' || effect === 'append') && WRITABLE_DEVICES.has(path);
}

function isDevicePath(path: string): boolean {
  return path === '/dev' || path.startsWith('/dev/');
}

function checkSystemArea(path: string, use: PathUse): void {
  if (isDevicePath(path)) {
    if (deviceAllowed(path, use.effect)) return;
    refuse(
      'forbidden-device',
      `${use.command}: ${use.raw} is a device path (${path}); ${use.effect === 'read' ? 'device files are off limits' : `a ${use.effect} of a device is refused`}`,
      use.command,
    );
  }
  if (isWriteEffect(use.effect) && (path.startsWith('/proc/') || path.startsWith('/sys/'))) {
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

/** What an effect on a path that does (or may) exist costs. */
function effectRisk(use: PathUse, resolved: ResolvedPath): { risk: Risk; reason?: string; replaces: boolean } {
  const exists = resolved.kind !== 'missing';
  const what = resolved.kind === 'unknown' ? 'may already exist' : 'exists';
  switch (use.effect) {
    case 'read':
    case 'use':
      return { risk: 'read_only', replaces: false };
    case 'delete':
      return { risk: 'destructive', reason: `${use.command} deletes ${use.raw}`, replaces: exists };
    case 'write':
    case 'replace':
    case 'rewrite':
      if (exists && !(use.redirect && isDevicePath(resolved.real))) {
        return { risk: 'destructive', reason: `${use.command} replaces ${use.raw}, which ${what}`, replaces: true };
      }
      if (use.redirect && isDevicePath(resolved.real)) return { risk: 'read_only', replaces: false };
      return { risk: 'modify', reason: `${use.command} writes ${use.raw}`, replaces: false };
    case 'move':
      return { risk: 'modify', reason: `${use.command} moves ${use.raw}`, replaces: false };
    default:
      return { risk: 'modify', reason: `${use.command} changes ${use.raw}`, replaces: false };
  }
}

interface Pending {
  use: PathUse;
  lexical: string;
}

function checkLexical(use: PathUse, lexical: string, options: PathCheckOptions): boolean {
  if (isDevicePath(lexical) && deviceAllowed(lexical, use.effect)) return false;
  checkSystemArea(lexical, use);
  if (!isInsideAny(lexical, options.roots)) {
    refuse(
      'outside-roots',
      `${use.command}: ${JSON.stringify(use.raw)} resolves to ${lexical}, outside the allowed roots (${options.roots.join(', ')})`,
      use.command,
    );
  }
  return true;
}

function checkResolved(use: PathUse, lexical: string, resolved: ResolvedPath, options: PathCheckOptions): void {
  const { real } = resolved;
  checkSystemArea(real, use);
  if (!(isDevicePath(real) && deviceAllowed(real, use.effect)) && !isInsideAny(real, options.roots)) {
    refuse(
      'symlink-escape',
      `${use.command}: ${JSON.stringify(use.raw)} leads through a symbolic link to ${real}, outside the allowed roots`,
      use.command,
    );
  }
  const writes = isWriteEffect(use.effect);
  for (const candidate of [lexical, real]) {
    const hit = options.protectedPaths.find((p) => isInside(candidate, p) || (writes && isInside(p, candidate)));
    if (hit) {
      const relation = isInside(candidate, hit) ? 'is under' : 'contains';
      refuse(
        'protected-path',
        `${use.command}: ${use.raw} ${relation} ${hit}, which the service protects (policy, audit log, backups, keys)`,
        use.command,
      );
    }
    if (writes && candidate.split('/').includes('.git')) {
      refuse(
        'git-internals',
        `${use.command}: writing inside .git (${candidate}) is refused: hooks and config there run commands`,
        use.command,
      );
    }
  }
  if (writes && resolved.gitDir) {
    refuse(
      'git-internals',
      `${use.command}: ${use.raw} is inside ${resolved.gitDir}, which git would use as a repository: hooks and config there run commands`,
      use.command,
    );
  }
}

/**
 * Checks every path a command would touch: NUL bytes, `..` escapes (the lexical path must stay inside the roots),
 * symbolic-link escapes (so must the real path), devices, protected files, and writes into git's control files
 * (`.git`, or any directory git would take for a repository). Each use then gets the risk of its effect on what
 * exists: replacing, truncating or deleting an existing file is destructive. A destination that is an existing
 * directory (cp a dir/) is checked for the names written inside it.
 */
export async function checkPaths(uses: readonly PathUse[], options: PathCheckOptions): Promise<CheckedPath[]> {
  const pending: Pending[] = [];
  for (const use of uses) {
    if (use.raw.includes('\0')) refuse('nul', `${use.command}: a path contains a NUL byte`, use.command);
    for (const lexical of interpretations(use, options)) if (checkLexical(use, lexical, options)) pending.push({ use, lexical });
  }
  const resolved = await options.resolver.resolve(pending.map((p) => p.lexical));
  const inner: Pending[] = [];
  const out: CheckedPath[] = [];
  pending.forEach(({ use, lexical }, index) => {
    const path = resolved[index] as ResolvedPath;
    checkResolved(use, lexical, path, options);
    if (use.intoDir && (path.kind === 'dir' || path.kind === 'unknown')) {
      for (const name of use.intoDir) {
        const child: PathUse = { raw: posix.join(use.raw, name), effect: use.effect, command: use.command };
        const childLexical = posix.join(lexical, name);
        if (checkLexical(child, childLexical, options)) inner.push({ use: child, lexical: childLexical });
      }
      if (path.kind === 'dir') return;
    }
    out.push({ raw: use.raw, command: use.command, effect: use.effect, real: path.real, ...effectRisk(use, path) });
  });
  const innerResolved = await options.resolver.resolve(inner.map((p) => p.lexical));
  inner.forEach(({ use, lexical }, index) => {
    const path = innerResolved[index] as ResolvedPath;
    checkResolved(use, lexical, path, options);
    out.push({ raw: use.raw, command: use.command, effect: use.effect, real: path.real, ...effectRisk(use, path) });
  });
  return out;
}
