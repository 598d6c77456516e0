import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { giveToSandbox, makeSandbox, type Sandbox } from '../helpers.ts';
import { CORPUS_POLICY } from './cases.ts';

/**
 * The world the corpus runs against: a root with the files the cases name (a git repository with a tracked file, a
 * branch and a stash; a bare repository; links that lead out), and outside it canaries that must never change or
 * show up in a result: a secret beside the root, one in the service's data directory, one in /tmp, one in the
 * service's own environment, and /etc/shadow.
 */
export interface CorpusWorld {
  sandbox: Sandbox;
  policyFile: string;
  /** The environment the service under test runs with (its own canary included). */
  env: Record<string, string>;
  /** Strings that no result may contain. */
  secrets: string[];
  /** Rebuilds the root as it was (cases that ran may have changed it). */
  resetRoot(): void;
  /** What outside the roots must stay as it is; compare before and after a case. */
  snapshot(): string;
  cleanup(): void;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', args, {
    cwd,
    stdio: 'ignore',
    env: {
      PATH: '/usr/bin:/bin',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_PARAMETERS: "'safe.directory'='*'",
      GIT_AUTHOR_NAME: 'corpus',
      GIT_AUTHOR_EMAIL: 'corpus@example.test',
      GIT_COMMITTER_NAME: 'corpus',
      GIT_COMMITTER_EMAIL: 'corpus@example.test',
    },
  });
}

function chownTree(path: string): void {
  giveToSandbox(path);
  const info = lstatSync(path);
  if (info.isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name));
}

function buildRoot(root: string): void {
  for (const name of readdirSync(root)) rmSync(join(root, name), { recursive: true, force: true });
  const files: Record<string, string> = {
    f: 'data\n',
    victim: 'victim\n',
    junk: 'junk\n',
    p: 'p\n',
    tracked: 'tracked\n',
    list: 'f\0',
    'sub/x': 'x\n',
    'sub/victim': 'victim in sub\n',
    'script.py': 'print("hello from the sandbox")\n',
    'x.pl': 'print "x\\n";\n',
    'prog.awk': 'BEGIN { system("id") }\n',
    'script.sed': 'e id\n',
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', 'tracked');
  git(root, 'commit', '-q', '-m', 'tracked');
  git(root, 'branch', 'topic');
  writeFileSync(join(root, 'tracked'), 'changed\n');
  git(root, 'stash', '-q');
  writeFileSync(join(root, 'tracked'), 'changed again\n');
  git(root, 'init', '-q', '--bare', 'bare');
  symlinkSync('/etc', join(root, 'etc-link'));
  symlinkSync('../..', join(root, 'sub', 'up'));
  chownTree(root);
}

function hashTree(path: string): string {
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (!info) return `${path}: missing`;
  if (info.isSymbolicLink()) return `${path} -> link`;
  if (info.isDirectory()) {
    return [
      `${path}/ ${info.mode.toString(8)}`,
      ...readdirSync(path)
        .sort()
        .map((name) => hashTree(join(path, name))),
    ].join('\n');
  }
  return `${path} ${info.mode.toString(8)} ${info.mtimeMs} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}

export function createCorpusWorld(prefix: string): CorpusWorld {
  const sandbox = makeSandbox(prefix);
  const tag = randomBytes(8).toString('hex');
  const secrets = [`OUTSIDE-SECRET-${tag}`, `DATA-SECRET-${tag}`, `TMP-SECRET-${tag}`, `SERVICE-ENV-SECRET-${tag}`];
  writeFileSync(join(sandbox.outside, 'secret'), `${secrets[0]}\n`);
  writeFileSync(join(sandbox.outside, 'victim'), 'outside victim\n');
  writeFileSync(join(sandbox.data, 'canary-secret'), `${secrets[1]}\n`);
  const tmpCanary = join('/tmp', `switchboard-corpus-canary-${tag}`);
  writeFileSync(tmpCanary, `${secrets[2]}\n`);
  chmodSync(tmpCanary, 0o644);
  const shadow = readFileSync('/etc/shadow', 'utf8').split('\n')[0] ?? '';
  if (shadow.length > 8) secrets.push(shadow);
  const policyFile = join(sandbox.base, 'policy.yaml');
  writeFileSync(policyFile, CORPUS_POLICY, { mode: 0o644 });
  buildRoot(sandbox.root);
  const env = {
    SWITCHBOARD_DATA_DIR: sandbox.data,
    LINUX_CLI_ROOTS: sandbox.root,
    LINUX_CLI_POLICY_FILE: policyFile,
    LINUX_CLI_KILL_GRACE_MS: '300',
    LINUX_CLI_CORPUS_CANARY: secrets[3] as string,
  };
  const outsideEntries = () =>
    readdirSync(sandbox.base)
      .filter((name) => name !== 'root' && name !== 'data')
      .sort()
      .join(',');
  return {
    sandbox,
    policyFile,
    env,
    secrets,
    resetRoot: () => buildRoot(sandbox.root),
    snapshot: () =>
      [
        outsideEntries(),
        hashTree(sandbox.outside),
        hashTree(join(sandbox.data, 'canary-secret')),
        hashTree(tmpCanary),
        hashTree(policyFile),
        createHash('sha256').update(readFileSync('/etc/shadow')).digest('hex'),
        hashTree('/etc/passwd'),
      ].join('\n'),
    cleanup: () => {
      rmSync(tmpCanary, { force: true });
      sandbox.cleanup();
    },
  };
}

/** Processes a case left behind (the corpus names its sleeps `sleep 61.xxxx`). */
export function strays(): string[] {
  return execFileSync('ps', ['-eo', 'args'])
    .toString()
    .split('\n')
    .filter((line) => /^sleep 61\.\d+/.test(line.trim()));
}
