import { type ChildProcess, execFileSync, execSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';

/** Installs Debian's openssh-server when sshd is missing (the tests run as root). */
export function ensureSshd(): void {
  if (existsSync(SSHD)) return;
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server', {
    stdio: 'inherit',
    timeout: 600_000,
  });
  if (!existsSync(SSHD)) throw new Error('openssh-server did not install /usr/sbin/sshd');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export function keygen(file: string): { privateKey: string; publicKey: string } {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'linux-cli-test', '-f', file]);
  return { privateKey: file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

export function fingerprint(publicKeyFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile]).toString().split(' ')[1] as string;
}

export interface Sshd {
  port: number;
  hostKeyPublic: string;
  stop(): Promise<void>;
}

/** A real OpenSSH server on a free loopback port, with a throwaway host key, accepting `authorizedKey` for root. */
export async function startSshd(dir: string, authorizedKey: string): Promise<Sshd> {
  ensureSshd();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const host = keygen(join(dir, 'host_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), `${authorizedKey}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${host.privateKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowUsers root',
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  try {
    await waitForPort(port, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return {
    port,
    hostKeyPublic: host.publicKey,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
