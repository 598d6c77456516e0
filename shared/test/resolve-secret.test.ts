import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connectInMemory, startTestSecrets, type TestSecrets } from '../src/testing/index.ts';
import { extensionsService } from './fixtures/extensions-service.ts';

/**
 * ctx.resolveSecret and SetupInput.secrets against the real secrets service (a process): the value arrives sealed,
 * is opened in the kit, registered with the redactor (exact and digest) and never comes back out.
 */
const VALUE = 'kit-resolve-Value-7f3a9c!';
const CONFIG_VALUE = 'kit-config-credential-0b1d';

let secrets: TestSecrets;
const logs: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    logs.push(String(chunk));
    done();
  },
});

beforeAll(async () => {
  secrets = await startTestSecrets({
    callers: { 'kit-extensions': ['local/app/**'], other: ['local/elsewhere/**'] },
    secrets: { 'app/db/password': VALUE, 'app/config/token': CONFIG_VALUE, 'private/x': 'not-for-you-1234' },
  });
}, 30_000);

afterAll(async () => {
  await secrets?.stop();
});

const error = (result: unknown) =>
  (result as { structuredContent: { error: { code: string; message: string; details?: unknown } } }).structuredContent.error;

describe('ctx.resolveSecret against a real secrets service', () => {
  test('resolves a handle to the pinned version; the value is redacted from the result, its encodings and the logs', async () => {
    const client = await connectInMemory(extensionsService, {
      config: secrets.configFor('kit-extensions'),
      logDestination: sink,
    });
    try {
      const handle = secrets.handles['app/db/password'] as string;
      const result = await client.callTool({ name: 'useHandle', arguments: { handle, purpose: 'env:DB_PASSWORD' } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({
        handle: `${handle}#1`,
        version: '1',
        length: VALUE.length,
        echo: '[REDACTED]',
        hex: '[REDACTED]',
        inText: 'the value is [REDACTED].',
      });
      expect(logs.join('\n')).toContain('secret resolved');
      expect(logs.join('\n')).not.toContain(VALUE);
      expect(JSON.stringify(result)).not.toContain(VALUE);
      // The secrets service audited the resolution under this caller, with the purpose given.
      await secrets.process.waitForLog((l) => l.tool === 'resolveSecret' && l.msg === 'tool call finished');
      expect(secrets.process.stderr.join('\n')).not.toContain(VALUE);
    } finally {
      await client.close();
    }
  });

  test('a path outside the resolve policy is PERMISSION_DENIED; an unknown secret NOT_FOUND', async () => {
    const client = await connectInMemory(extensionsService, { config: secrets.configFor('kit-extensions') });
    try {
      const denied = await client.callTool({ name: 'useHandle', arguments: { handle: secrets.handles['private/x'] } });
      expect(error(denied)).toMatchObject({ code: 'PERMISSION_DENIED' });
      expect(error(denied).message).toMatch(/^secrets\.resolveSecret: caller "kit-extensions" may not resolve local\/private\/x/);
      const missing = await client.callTool({ name: 'useHandle', arguments: { handle: 'secret://local/app/none' } });
      expect(error(missing)).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await client.close();
    }
  });

  test('a wrong token is refused as DEPENDENCY_UNAVAILABLE (not retryable), naming the token', async () => {
    const client = await connectInMemory(extensionsService, {
      config: { secretsUrl: secrets.mcpUrl, secretsToken: 'not-the-right-token-000' },
    });
    try {
      const result = await client.callTool({ name: 'useHandle', arguments: { handle: secrets.handles['app/db/password'] } });
      expect(error(result)).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
      expect(error(result).message).toMatch(/refused our credentials/);
    } finally {
      await client.close();
    }
  });
});

describe('SetupInput.secrets.resolveConfig against a real secrets service', () => {
  test('a handle in configuration is resolved at start and registered: the service uses the value, no result shows it', async () => {
    const client = await connectInMemory(extensionsService, {
      env: { FIXTURE_CREDENTIAL: secrets.handles['app/config/token'] },
      config: secrets.configFor('kit-extensions'),
    });
    try {
      const clients = client.runtime.clients as { credential: string };
      expect(clients.credential).toBe(CONFIG_VALUE);
      const shown = await client.callTool({ name: 'showCredential', arguments: {} });
      expect(shown.structuredContent).toEqual({ shown: '[REDACTED]', encoded: '[REDACTED]' });
    } finally {
      await client.close();
    }
  });

  test('a handle the caller may not resolve stops start-up listing the key', async () => {
    await expect(
      connectInMemory(extensionsService, {
        env: { FIXTURE_CREDENTIAL: secrets.handles['app/config/token'] },
        config: secrets.configFor('other'),
      }),
    ).rejects.toThrow(/fixtureCredential \(FIXTURE_CREDENTIAL\): secrets\.resolveSecret: caller "other" may not resolve/);
  });

  test('a secrets service that cannot be reached is retried for waitMs, then stops start-up', async () => {
    await expect(
      connectInMemory(extensionsService, {
        env: { FIXTURE_CREDENTIAL: 'secret://local/app/config/token' },
        config: { secretsUrl: 'http://127.0.0.1:9/mcp', secretsToken: 'whatever-token-0000' },
      }),
    ).rejects.toThrow(/fixtureCredential \(FIXTURE_CREDENTIAL\): secrets cannot be reached/);
  });
});
