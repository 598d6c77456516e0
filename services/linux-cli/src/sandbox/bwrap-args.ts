import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { blockingDirectory } from '../fs/reachable.ts';
import { isInsideAny } from '../fs/real-path.ts';

/** What the sandbox of every local command is made of; fixed at start from configuration. */
export interface SandboxLayout {
  /** Allowed roots (real paths): the only host directories a command can write, or read outside the system ones. */
  roots: readonly string[];
  /** Extra host paths mounted read-only (LINUX_CLI_SANDBOX_READ_PATHS). */
  readPaths: readonly string[];
  /** Protected paths (real): hidden inside the sandbox where they lie below a root. */
  hidden: readonly string[];
  /** The commands' HOME: an empty private directory. */
  home: string;
  /** uid and gid inside the sandbox. */
  uid: number;
  gid: number;
  tmpBytes: number;
  /** The host user bubblewrap runs as, when the service (root) starts it as another user. */
  hostUser?: { uid: number; gid: number } | undefined;
}

/** How one call is sandboxed. */
export interface SandboxProfile {
  /** The roots are mounted read-write (else read-only: read_only commands, read-only mode). */
  writable: boolean;
  /** The host's network is shared (every command in the call was given network by the policy). */
  network: boolean;
}

/** System directories, read-only; /bin, /lib and friends are recreated as the symbolic links they are on merged-/usr systems. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * The files of /etc that programs need to run (users, libraries, time zone, alternatives such as awk, MIME and magic
 * data), never the rest: /etc/shadow, sudoers, SSH host keys, TLS private keys and the service's own configuration
 * are simply not there.
 */
const ETC_FILES = [
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/alternatives',
  '/etc/mime.types',
  '/etc/magic',
  '/etc/magic.mime',
  '/etc/os-release',
  '/etc/debian_version',
  '/etc/locale.alias',
  '/etc/terminfo',
  '/etc/protocols',
  '/etc/services',
];

/** With network: name resolution and the public CA certificates. */
const ETC_NETWORK = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/ssl/certs',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
];

function systemMounts(): string[] {
  const out: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const info = lstatSync(dir, { throwIfNoEntry: false });
    if (!info) continue;
    if (info.isSymbolicLink()) out.push('--symlink', readlinkSync(dir), dir);
    else if (info.isDirectory()) out.push('--ro-bind', dir, dir);
  }
  return out;
}

const SYSTEM_MOUNTS = systemMounts();

function readOnly(paths: readonly string[]): string[] {
  return paths.flatMap((path) => ['--ro-bind-try', path, path]);
}

/**
 * Hides a protected path that lies inside a mounted root: an empty read-only directory, or an empty file. One the
 * sandbox user cannot even reach is hidden by its permissions already (and bubblewrap could not mount over it).
 */
function hide(path: string, user: SandboxLayout['hostUser']): string[] {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info || (user && blockingDirectory(path, user) !== undefined)) return [];
  return info.isDirectory() ? ['--tmpfs', path, '--remount-ro', path] : ['--ro-bind', '/dev/null', path];
}

/**
 * bubblewrap's arguments for one command: every namespace unshared (the network too, unless the profile shares it),
 * a new session and pid namespace whose init takes every process with it when the command exits or is killed, an
 * empty root with /usr and a few /etc files read-only, a fresh /proc and a minimal /dev, a private /tmp and HOME, the
 * roots read-write or read-only, protected paths inside them hidden, nested user namespaces disabled.
 */
export function bwrapArgs(layout: SandboxLayout, profile: SandboxProfile, cwd: string): string[] {
  const roots = layout.roots.flatMap((root) => [profile.writable ? '--bind' : '--ro-bind', root, root]);
  const hidden = layout.hidden.filter((path) => isInsideAny(path, layout.roots)).flatMap((path) => hide(path, layout.hostUser));
  // HOME is empty and private to the call (git's identity comes from childEnv: GIT_AUTHOR_NAME and friends).
  const home = isInsideAny(layout.home, layout.roots) ? [] : ['--tmpfs', layout.home];
  return [
    '--unshare-all',
    ...(profile.network ? ['--share-net'] : []),
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--uid',
    String(layout.uid),
    '--gid',
    String(layout.gid),
    '--hostname',
    'switchboard-sandbox',
    ...SYSTEM_MOUNTS,
    ...readOnly(ETC_FILES),
    ...(profile.network ? readOnly(ETC_NETWORK) : []),
    ...readOnly(layout.readPaths.filter((path) => existsSync(path))),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(layout.tmpBytes),
    '--tmpfs',
    '/tmp',
    ...home,
    ...roots,
    ...hidden,
    // The sandbox's own root (its /etc and the directories made for the mounts) is read-only too.
    '--remount-ro',
    '/',
    '--chdir',
    cwd,
  ];
}
