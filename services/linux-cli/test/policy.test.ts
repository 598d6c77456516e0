import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ConfigError } from '@switchboard/shared';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { loadPolicy } from '../src/policy/load-policy.ts';
import { linuxCliService } from '../src/service.ts';
import { baseEnv, type Harness, makeSandbox, type Sandbox, startHarness } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

let sandbox: Sandbox;
let h: Harness | undefined;
let proc: SpawnedService | undefined;

beforeEach(() => {
  sandbox = makeSandbox('linux-cli-policy-');
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  await proc?.stop();
  proc = undefined;
  sandbox.cleanup();
});

function policyFile(text: string, mode = 0o644): string {
  const file = join(sandbox.base, 'policy.yaml');
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

describe('the policy file', () => {
  test('replaces the built-in allowlist, or extends it and denies some of it', async () => {
    const own = loadPolicy(policyFile('commands:\n  jq: read_only\n  rm: { risk: destructive, denyOptions: ["-r", "-R"] }\n'));
    expect([...own.commands.keys()].sort()).toEqual(['jq', 'rm']);
    const extended = loadPolicy(policyFile('extends: builtin\ncommands:\n  jq: read_only\ndeny: [sudo, rm]\n'));
    expect(extended.commands.get('jq')).toEqual({ risk: 'read_only' });
    expect(extended.commands.has('ls')).toBe(true);
    expect(extended.commands.has('sudo')).toBe(false);
    expect(extended.commands.has('rm')).toBe(false);
  });

  test('the loaded policy is frozen', () => {
    const policy = loadPolicy(undefined);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.commands.get('git'))).toBe(true);
    expect('set' in policy.commands).toBe(false);
  });

  test('a policy that allows a forbidden or opaque command, or has bad values, does not load', () => {
    const error = (() => {
      try {
        loadPolicy(
          policyFile('commands:\n  mkfs.ext4: privileged\n  shutdown: privileged\n  eval: read_only\n  /bin/ls: read_only\n'),
        );
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('loaded');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toHaveLength(4);
    expect(error.message).toContain('commands.mkfs.ext4 cannot be allowed: mkfs.ext4 formats');
    expect(error.message).toContain('commands.shutdown cannot be allowed');
    expect(error.message).toContain('commands.eval cannot be allowed');
    expect(error.message).toContain('listed by its bare name');
    expect(() => loadPolicy(policyFile('commands:\n  ls: harmless\n'))).toThrow(/commands\.ls/);
    expect(() => loadPolicy(policyFile('command:\n  ls: read_only\n'))).toThrow(/unknown key "command"/);
  });

  test('a policy file others may write is refused', () => {
    expect(() => loadPolicy(policyFile('extends: builtin\n', 0o666))).toThrow(/writable by group or others/);
  });

  test('a service with a bad policy stops at start with exit code 2', async () => {
    const file = policyFile('commands:\n  reboot: privileged\n');
    proc = await spawnService(MAIN, {
      env: { ...baseEnv(sandbox), SWITCHBOARD_AUTH: 'none', PORT: '0', LINUX_CLI_POLICY_FILE: file },
      noWait: true,
    });
    expect(await proc.exited).toBe(2);
    expect(proc.stderr.join('\n')).toContain('commands.reboot cannot be allowed');
  });

  test('no tool can change the policy: the file stays as it was and describePolicy only reads it', async () => {
    const file = policyFile('extends: builtin\ncommands:\n  jq: read_only\n');
    const before = readFileSync(file, 'utf8');
    h = await startHarness(sandbox, {
      env: baseEnv(sandbox, { LINUX_CLI_POLICY_FILE: file, LINUX_CLI_ROOTS: `${sandbox.root},${sandbox.base}` }),
    });
    const writes = [
      h.call('writeFile', { path: file, content: 'commands:\n  curl: read_only\n' }),
      h.call('runCommand', { argv: ['sh', '-c', `echo "  curl: read_only" >> ${file}`] }),
      h.call('runCommand', { argv: ['cp', '/dev/null', file] }),
      h.call('runCommand', { argv: ['chmod', '666', file] }),
    ];
    for (const out of await Promise.all(writes)) expect(out.error?.details?.rule).toBe('protected-path');
    expect(readFileSync(file, 'utf8')).toBe(before);
    const described = await h.ok('describePolicy', { command: 'jq' });
    expect(described).toMatchObject({
      source: file,
      approvalMode: 'ask',
      readOnly: false,
      commands: [{ name: 'jq', risk: 'read_only' }],
    });
    expect((await h.call('runCommand', { argv: ['curl', 'x'] })).error?.details?.rule).toBe('not-allowed');
    const names = linuxCliService.tools.map((t) => t.name);
    expect(names.filter((n) => /policy|config|allow|approv|setting/i.test(n))).toEqual(['describePolicy']);
    expect(linuxCliService.tools.find((t) => t.name === 'describePolicy')?.annotations.readOnlyHint).toBe(true);
  });
});

describe('linux-cli as a process over HTTP', () => {
  test('serves /health and /ready and runs a command for an authenticated caller, audited under its name', async () => {
    const token = 'ops-token-abcdefghijklmnop';
    proc = await spawnService(MAIN, { env: { ...baseEnv(sandbox), PORT: '0', SWITCHBOARD_TOKENS: `ops:${token}` } });
    expect((await fetch(`${proc.url}/health`)).status).toBe(200);
    expect((await fetch(`${proc.url}/ready`)).status).toBe(200);
    const client = new Client({ name: 'linux-cli-http', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proc.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}`, 'x-correlation-id': 'http-77' } },
      }),
    );
    const result = await client.callTool({ name: 'runCommand', arguments: { argv: ['echo', 'over http'] } });
    expect(result.structuredContent).toMatchObject({ exitCode: 0, stdout: 'over http\n' });
    await client.close();
    const audit = readFileSync(join(sandbox.data, 'linux-cli', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({ tool: 'runCommand', caller: 'ops', correlationId: 'http-77', decision: 'allowed' });
  });
});
