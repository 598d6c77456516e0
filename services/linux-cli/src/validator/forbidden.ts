import { posix } from 'node:path';
import { hasOption, type ParsedArgs } from './argv/parse-args.ts';
import { killTargets } from './commands/system.ts';
import { refuse } from './refusal.ts';

/**
 * The forbidden list. It is code, not configuration: no policy file, environment variable or tool can lift it.
 * A policy that lists one of the wholly forbidden names does not load.
 */
const POWER = new Set(['shutdown', 'reboot', 'halt', 'poweroff', 'telinit', 'init', 'kexec', 'runlevel']);
const DISK = new Set([
  'mke2fs',
  'mkswap',
  'mkdosfs',
  'mkntfs',
  'mklost+found',
  'wipefs',
  'fdisk',
  'sfdisk',
  'cfdisk',
  'gdisk',
  'sgdisk',
  'parted',
  'partprobe',
  'blkdiscard',
  'swapoff',
  'killall5',
]);

/** Commands that run other code the validator cannot see: refused whatever the policy says. */
const OPAQUE: Record<string, string> = {
  eval: 'eval runs a string as a script the validator cannot see',
  source: 'source runs a script file the validator cannot see',
  '.': '. (source) runs a script file the validator cannot see',
  su: 'su runs a shell as another user; use sudo with an explicit command',
  doas: 'doas is not supported; use sudo with an explicit command',
  pkexec: 'pkexec is not supported; use sudo with an explicit command',
  runuser: 'runuser is not supported; use sudo with an explicit command',
  setsid: 'setsid detaches the command from the process group the service kills on timeout',
  disown: 'disown detaches jobs from the shell',
  daemonize: 'daemonize detaches the command from the service',
  'start-stop-daemon': 'start-stop-daemon detaches the command from the service',
  'systemd-run': 'systemd-run starts commands outside the service',
  at: 'at schedules commands the validator cannot see',
  batch: 'batch schedules commands the validator cannot see',
  crontab: 'crontab schedules commands the validator cannot see',
  screen: 'screen runs shells outside the service',
  tmux: 'tmux runs shells outside the service',
  script: 'script runs a shell the validator cannot see',
  expect: 'expect runs scripts the validator cannot see',
  chroot: 'chroot runs a command under another root, past the path checks',
  unshare: 'unshare runs a command in new namespaces, past the path checks',
  nsenter: 'nsenter runs a command in other namespaces',
  strace: 'strace runs commands the validator cannot see',
  ltrace: 'ltrace runs commands the validator cannot see',
  gdb: 'gdb can run arbitrary commands',
  parallel: 'parallel builds command lines from its input',
  ssh: 'ssh runs commands on other hosts; use sshRunCommand',
  scp: 'scp copies files past the path checks',
  sftp: 'sftp copies files past the path checks',
  vi: 'editors can run shell commands',
  vim: 'editors can run shell commands',
  nvim: 'editors can run shell commands',
  ex: 'editors can run shell commands',
  ed: 'editors can run shell commands',
  emacs: 'editors can run shell commands',
  zsh: 'only sh, bash and dash scripts can be validated',
  ksh: 'only sh, bash and dash scripts can be validated',
  mksh: 'only sh, bash and dash scripts can be validated',
  csh: 'only sh, bash and dash scripts can be validated',
  tcsh: 'only sh, bash and dash scripts can be validated',
  fish: 'only sh, bash and dash scripts can be validated',
  ash: 'only sh, bash and dash scripts can be validated',
  busybox: 'busybox multiplexes every command behind one name; call the command itself',
  flock: 'flock runs a command the validator cannot see',
  taskset: 'taskset is not supported as a wrapper',
  chrt: 'chrt is not supported as a wrapper',
  numactl: 'numactl is not supported as a wrapper',
  cgexec: 'cgexec is not supported as a wrapper',
  sg: 'sg runs a command as another group',
  newgrp: 'newgrp starts a shell as another group',
  alias: 'aliases can shadow commands',
  enable: 'enable can load builtins from files',
};

/** Why a command name is forbidden outright (whatever its arguments), or undefined. */
export function forbiddenName(name: string): { rule: string; reason: string } | undefined {
  if (POWER.has(name))
    return { rule: 'forbidden-power', reason: `${name} powers off, reboots or changes the run level of the machine` };
  if (name.startsWith('mkfs') || DISK.has(name)) {
    return { rule: 'forbidden-disk', reason: `${name} formats, partitions or wipes disks` };
  }
  return undefined;
}

export function opaqueReason(name: string): string | undefined {
  return Object.hasOwn(OPAQUE, name) ? OPAQUE[name] : undefined;
}

/** Names that a policy may never list. */
export function unlistableReason(name: string): string | undefined {
  return forbiddenName(name)?.reason ?? opaqueReason(name);
}

const TOP_LEVEL = new Set([
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib32',
  '/lib64',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/usr',
  '/var',
]);

function isRootLike(operand: string, home: string): boolean {
  if (operand === '~' || operand === '~/') return true;
  if (!operand.startsWith('/')) return false;
  const normal = posix.normalize(operand).replace(/\/+$/, '') || '/';
  if (normal === '/' || /^\/+\*$/.test(operand) || normal === '/*') return true;
  return TOP_LEVEL.has(normal) || TOP_LEVEL.has(normal.replace(/\/\*$/, '')) || normal === home;
}

const SYSTEMCTL_POWER = new Set([
  'poweroff',
  'reboot',
  'halt',
  'kexec',
  'suspend',
  'hibernate',
  'hybrid-sleep',
  'suspend-then-hibernate',
  'rescue',
  'emergency',
  'isolate',
  'default',
  'switch-root',
  'soft-reboot',
]);

/** Refuses calls on the forbidden list, reading the arguments as the command's spec parsed them. */
export function checkForbidden(name: string, parsed: ParsedArgs, home: string): void {
  const operands = parsed.operands.map((operand) => operand.value);
  switch (name) {
    case 'rm':
    case 'rmdir':
    case 'shred':
    case 'mv':
    case 'chmod':
    case 'chown':
    case 'chgrp': {
      if (hasOption(parsed, 'no-preserve-root')) refuse('forbidden-root', `${name} --no-preserve-root is forbidden`, name);
      const recursive = hasOption(parsed, 'recursive');
      const target = operands.find((operand) => isRootLike(operand, home));
      if (target && (recursive || name === 'mv' || name === 'rm' || name === 'rmdir' || name === 'shred')) {
        refuse(
          'forbidden-root',
          `${name}${recursive ? ' -r' : ''} on ${target} (the root, a top-level system directory or the home directory) is forbidden`,
          name,
        );
      }
      return;
    }
    case 'find': {
      const start = operands.findIndex((a) => a.startsWith('-') || a === '(' || a === '!');
      const starts = start < 0 ? operands : operands.slice(0, start);
      if (operands.includes('-delete') && starts.some((s) => isRootLike(s, home))) {
        refuse('forbidden-root', 'find -delete from the root or a top-level system directory is forbidden', name);
      }
      return;
    }
    case 'dd': {
      for (const operand of operands) {
        if (!operand.startsWith('of=')) continue;
        const target = posix.normalize(operand.slice(3));
        if (target.startsWith('/dev/') && !['/dev/null', '/dev/stdout', '/dev/stderr'].includes(target)) {
          refuse('forbidden-dd-device', `dd writing to the device ${target} is forbidden`, name);
        }
      }
      return;
    }
    case 'systemctl': {
      const verb = operands[0];
      if (verb && SYSTEMCTL_POWER.has(verb)) refuse('forbidden-power', `systemctl ${verb} is forbidden`, name);
      return;
    }
    case 'kill':
    case 'pkill':
    case 'killall': {
      const targets = name === 'kill' ? killTargets(parsed.operands.map((operand) => operand.arg)) : operands;
      for (const operand of targets) {
        if (operand === '1' || /^-\d+$/.test(operand)) {
          refuse(
            'forbidden-kill-all',
            `${name} ${operand} signals init, every process or a whole process group; forbidden`,
            name,
          );
        }
      }
      if (name !== 'kill' && operands.includes('root') && hasOption(parsed, 'user')) {
        refuse('forbidden-kill-all', `${name} -u root signals every root process; forbidden`, name);
      }
      return;
    }
    default:
      return;
  }
}
