import { readFile } from 'node:fs/promises';
import { ToolError } from '@switchboard/shared';
import { Client, type ConnectConfig } from 'ssh2';
import type { CaptureBuffer } from '../exec/capture-buffer.ts';
import type { ProcessResult } from '../exec/run-process.ts';
import { type HostKeyVerdict, knownKeyTypes, parseKnownHosts, verifyHostKey } from './known-hosts.ts';

/** Where and how to connect: a profile from configuration, or a host looked up in cmdb. */
export interface SshTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  identityFile?: string;
  /** The private key or password as secret handles, resolved through the secrets service when connecting. */
  privateKeyHandle?: string;
  passwordHandle?: string;
  /** The agent socket, when the target authenticates with the SSH agent. */
  agent?: string;
  /** A pinned host key fingerprint (SHA256:...). */
  fingerprint?: string;
  roots: string[];
  cwd?: string;
  source: 'profile' | 'cmdb';
}

export interface SshConnectOptions {
  knownHostsFile: string;
  /** Resolves a credential handle (ctx.resolveSecret); the value is registered with the redactor on the way. */
  resolveSecret?: (handle: string, purpose: string) => Promise<string>;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export interface SshExecOptions {
  stdin?: string;
  stdout: CaptureBuffer;
  stderr: CaptureBuffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SshSession {
  exec(command: string, options: SshExecOptions): Promise<ProcessResult>;
  close(): void;
}

const HOST_KEY_ALGORITHMS: Record<string, string[]> = { 'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] };

function hostKeyError(target: SshTarget, verdict: HostKeyVerdict, knownHostsFile: string): ToolError {
  const where = `${target.host}:${target.port}`;
  const messages: Record<HostKeyVerdict['reason'], string> = {
    unknown: `the host key of ${where} (${verdict.fingerprint}) is not in ${knownHostsFile}; unknown hosts are refused. Add it (ssh-keyscan, after checking the fingerprint) or pin hostKeyFingerprint in the profile`,
    mismatch: `HOST KEY MISMATCH for ${where}: the server offered ${verdict.fingerprint}, which is not the key ${knownHostsFile} lists; refusing (possible man-in-the-middle)`,
    revoked: `the host key of ${where} (${verdict.fingerprint}) is marked @revoked in ${knownHostsFile}`,
    'pin-mismatch': `HOST KEY MISMATCH for ${where}: the server offered ${verdict.fingerprint}, not the fingerprint pinned in profile ${target.name}`,
    known: '',
    pinned: '',
  };
  return new ToolError('POLICY_VIOLATION', messages[verdict.reason], {
    details: { rule: 'ssh-host-key', host: target.name, fingerprint: verdict.fingerprint, reason: verdict.reason },
  });
}

function connectionError(target: SshTarget, error: Error & { level?: string; code?: string }): ToolError {
  const where = `${target.user}@${target.host}:${target.port}`;
  if (/authentication methods failed/i.test(error.message)) {
    return new ToolError('PERMISSION_DENIED', `${where} refused our credentials (key, password or agent authentication failed)`, {
      details: { host: target.name },
    });
  }
  if (/timed out/i.test(error.message))
    return new ToolError('TIMEOUT', `connecting to ${where} timed out`, { details: { host: target.name } });
  return new ToolError('DEPENDENCY_UNAVAILABLE', `cannot connect to ${where}: ${error.code ?? error.message}`, {
    details: { host: target.name },
  });
}

async function secretOf(target: SshTarget, handle: string, purpose: string, options: SshConnectOptions): Promise<string> {
  if (!options.resolveSecret) {
    throw new ToolError(
      'UNSUPPORTED',
      `${target.name}'s credential is a secret handle, but no secrets service is configured (SWITCHBOARD_SECRETS_URL)`,
    );
  }
  return options.resolveSecret(handle, purpose);
}

async function authConfig(target: SshTarget, options: SshConnectOptions): Promise<Partial<ConnectConfig>> {
  if (target.agent) return { agent: target.agent, authHandler: ['agent'] };
  if (target.privateKeyHandle) {
    return {
      privateKey: await secretOf(target, target.privateKeyHandle, `ssh:key:${target.name}`, options),
      authHandler: ['publickey'],
    };
  }
  if (target.passwordHandle) {
    return {
      password: await secretOf(target, target.passwordHandle, `ssh:password:${target.name}`, options),
      authHandler: ['password'],
    };
  }
  if (!target.identityFile) {
    throw new ToolError(
      'UNSUPPORTED',
      `no identity file, key handle, password handle or agent is configured for ${target.name} (sshIdentityFile or sshPrivateKey, or the profile's identityFile, privateKey, password or agent)`,
    );
  }
  try {
    return { privateKey: await readFile(target.identityFile), authHandler: ['publickey'] };
  } catch (error) {
    throw new ToolError(
      'DEPENDENCY_UNAVAILABLE',
      `cannot read the identity file for ${target.name} (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
}

/**
 * Opens an SSH connection with key or agent authentication only, the host key checked against known_hosts (or a
 * pinned fingerprint) before anything else is sent, and connect and keepalive timeouts.
 */
export async function connectSsh(target: SshTarget, options: SshConnectOptions): Promise<SshSession> {
  const knownHosts = parseKnownHosts(await readFile(options.knownHostsFile, 'utf8').catch(() => ''));
  const types = target.fingerprint
    ? []
    : knownKeyTypes(target.host, target.port, knownHosts).flatMap((t) => HOST_KEY_ALGORITHMS[t] ?? [t]);
  const auth = await authConfig(target, options);
  const client = new Client();
  let verdict: HostKeyVerdict | undefined;
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (error) => {
      client.end();
      if (verdict && !verdict.ok) reject(hostKeyError(target, verdict, options.knownHostsFile));
      else reject(connectionError(target, error));
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: options.connectTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs,
      keepaliveCountMax: options.keepaliveCountMax,
      tryKeyboard: false,
      ...(types.length > 0
        ? { algorithms: { serverHostKey: types as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } }
        : {}),
      hostVerifier: (key: Buffer) => {
        verdict = verifyHostKey(key, target.host, target.port, knownHosts, target.fingerprint);
        return verdict.ok;
      },
      ...auth,
    });
  });
  client.on('error', () => {});

  return {
    close: () => client.end(),
    exec: (command, execOptions) =>
      new Promise<ProcessResult>((resolve, reject) => {
        const started = process.hrtime.bigint();
        client.exec(command, (error, stream) => {
          if (error) {
            reject(
              new ToolError('DEPENDENCY_UNAVAILABLE', `${target.name}: the server refused to run the command (${error.message})`),
            );
            return;
          }
          let timedOut = false;
          let cancelled = false;
          let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
          let settled = false;
          const finish = () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            execOptions.signal?.removeEventListener('abort', onAbort);
            resolve({
              exitCode: exit.code,
              signal: exit.signal,
              timedOut,
              cancelled,
              durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
            });
          };
          const stop = () => {
            try {
              stream.signal('KILL');
            } catch {}
            stream.close();
            client.end();
            setTimeout(finish, 1000).unref();
          };
          const timer = setTimeout(() => {
            timedOut = true;
            stop();
          }, execOptions.timeoutMs);
          const onAbort = () => {
            cancelled = true;
            stop();
          };
          execOptions.signal?.addEventListener('abort', onAbort, { once: true });
          stream.on('data', (chunk: Buffer) => execOptions.stdout.push(chunk));
          stream.stderr.on('data', (chunk: Buffer) => execOptions.stderr.push(chunk));
          stream.on('exit', (code: number | null, signal?: string) => {
            exit = { code: typeof code === 'number' ? code : null, signal: signal ? `SIG${signal}` : null };
          });
          stream.on('close', finish);
          stream.end(execOptions.stdin ?? '');
        });
      }),
  };
}
