import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestSecrets, type TestSecrets } from '@switchboard/shared/testing';
import { baseEnv, type Harness, makeSandbox, type Sandbox, startHarness } from './helpers.ts';
import { keygen, type Sshd, startSshd } from './sshd.ts';

/**
 * Secret handles in linux-cli, resolved server to server through a real secrets service: `env` values of a call,
 * childEnv values at start, and SSH private keys of a profile. The command (or the SSH server) gets the value; the
 * result, the audit log and the logs see at most the handle.
 */
const VALUE = 'db-password-Xq8L2mN9vR4tK7wZ';
let secrets: TestSecrets;
let sandbox: Sandbox;
let keyHandle: string;
let sshd: Sshd;
let knownHosts: string;

beforeAll(async () => {
  sandbox = makeSandbox('linux-cli-handles-');
  const keys = join(sandbox.base, 'keys');
  mkdirSync(keys, { mode: 0o700 });
  const user = keygen(join(keys, 'user_ed25519'));
  secrets = await startTestSecrets({
    callers: { 'linux-cli': ['local/apps/**'], other: ['local/nothing/**'] },
    secrets: {
      'apps/shop/db-password': VALUE,
      'apps/shop/child-token': 'child-token-Hy6Tq3',
      'apps/shop/ssh-key': readFileSync(user.privateKey, 'utf8'),
    },
  });
  keyHandle = secrets.handles['apps/shop/ssh-key'] as string;
  sshd = await startSshd(keys, user.publicKey);
  knownHosts = join(keys, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
}, 600_000);

afterAll(async () => {
  await sshd?.stop();
  await secrets?.stop();
  sandbox?.cleanup();
});

function env(extra: Record<string, string> = {}) {
  return baseEnv(sandbox, {
    LINUX_CLI_ENV_ALLOW: 'DB_PASSWORD,LANG',
    LINUX_CLI_CHILD_ENV: `CHILD_TOKEN=${secrets.handles['apps/shop/child-token']}`,
    LINUX_CLI_SSH_PROFILES: JSON.stringify([
      { name: 'keyed', host: '127.0.0.1', port: sshd.port, user: 'root', privateKey: keyHandle, roots: [sandbox.root] },
    ]),
    LINUX_CLI_SSH_KNOWN_HOSTS: knownHosts,
    ...extra,
  });
}

describe('secret handles', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(sandbox, { env: env(secrets.envFor('linux-cli')) });
  });
  afterAll(() => h.close());

  test('an env value given as a handle reaches the command as its value, and nothing else sees the value', async () => {
    const handle = secrets.handles['apps/shop/db-password'] as string;
    const wrote = await h.ok('runCommand', { argv: ['sh', '-c', 'printenv DB_PASSWORD > seen'], env: { DB_PASSWORD: handle } });
    expect(readFileSync(join(sandbox.root, 'seen'), 'utf8')).toBe(`${VALUE}\n`);
    const printed = await h.ok('runCommand', { argv: ['printenv', 'DB_PASSWORD'], env: { DB_PASSWORD: handle } });
    expect(printed.stdout).not.toContain(VALUE);
    for (const result of [wrote, printed]) expect(JSON.stringify(result)).not.toContain(VALUE);
    const audit = readFileSync(join(sandbox.data, 'linux-cli', 'audit.jsonl'), 'utf8');
    expect(audit).not.toContain(VALUE);
    expect(audit).toContain('"envNames":["DB_PASSWORD"]');
  });

  test('childEnv handles are resolved at start', async () => {
    await h.ok('runCommand', { argv: ['sh', '-c', 'printenv CHILD_TOKEN > child'] });
    expect(readFileSync(join(sandbox.root, 'child'), 'utf8')).toBe('child-token-Hy6Tq3\n');
  });

  test('an SSH profile authenticates with a private key held in the secrets service', async () => {
    const out = await h.ok('sshRunCommand', { host: 'keyed', argv: ['echo', 'in over a key from secrets'] });
    expect(out.stdout).toBe('in over a key from secrets\n');
  });
});

describe('refusals', () => {
  test('a caller outside the resolve policy gets PERMISSION_DENIED, and the command does not run', async () => {
    const h = await startHarness(sandbox, {
      env: env({ ...secrets.envFor('other'), LINUX_CLI_CHILD_ENV: '' }),
    });
    try {
      const out = await h.call('runCommand', {
        argv: ['sh', '-c', 'echo ran > denied'],
        env: { DB_PASSWORD: secrets.handles['apps/shop/db-password'] },
      });
      expect(out.error?.code).toBe('PERMISSION_DENIED');
      expect(() => readFileSync(join(sandbox.root, 'denied'))).toThrow();
    } finally {
      await h.close();
    }
  });

  test('without a secrets service a handle is UNSUPPORTED, and credentials in configuration must be handles', async () => {
    const h = await startHarness(sandbox, { env: env({ LINUX_CLI_CHILD_ENV: '' }) });
    try {
      const out = await h.call('runCommand', { argv: ['true'], env: { DB_PASSWORD: 'secret://local/apps/shop/db-password' } });
      expect(out.error?.code).toBe('UNSUPPORTED');
    } finally {
      await h.close();
    }
    const error = await startHarness(sandbox, {
      env: env({
        LINUX_CLI_CHILD_ENV: '',
        LINUX_CLI_SSH_PROFILES: JSON.stringify([{ name: 'x', host: 'h', user: 'u', privateKey: '-----BEGIN KEY-----' }]),
      }),
    }).catch((e) => e);
    expect(String(error.message)).toContain('credentials are never written inline');
  });
});
