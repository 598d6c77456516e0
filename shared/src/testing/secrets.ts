import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServiceClient } from '../client/service-client.ts';
import { type SpawnedService, spawnService } from './process.ts';

/** The secrets service's entry file in this repository. */
export const SECRETS_MAIN = fileURLToPath(new URL('../../../services/secrets/src/main.ts', import.meta.url));

export interface TestSecretsOptions {
  /** Callers (token names) and the `<backend>/<path>` globs each may resolve, as in SECRETS_RESOLVE_POLICY. */
  callers: Record<string, string[]>;
  /** Secrets to create on the `local` file backend first: path -> value. */
  secrets?: Record<string, string>;
  /** More environment for the secrets process. */
  env?: Record<string, string>;
}

export interface TestSecrets {
  process: SpawnedService;
  /** Its Streamable HTTP endpoint. */
  mcpUrl: string;
  /** The handle of each secret created: path -> `secret://local/<path>`. */
  handles: Record<string, string>;
  /** The bearer token of a caller named in `callers`, and of `ops` (may create and reveal, resolves nothing). */
  tokenOf(caller: string): string;
  /** The kit settings a process needs to resolve as `caller`: SWITCHBOARD_SECRETS_URL and _TOKEN. */
  envFor(caller: string): Record<string, string>;
  /** The typed config overrides of the same (connectInMemory's `config`). */
  configFor(caller: string): { secretsUrl: string; secretsToken: string };
  /** Stops the process and removes its data. */
  stop(): Promise<void>;
}

/**
 * A real secrets service (services/secrets) as a process on a free port, with a file backend `local` in a temp
 * dir, one bearer token per caller, the resolve policy given, and the secrets given created through its own
 * createSecret. For tests of anything that resolves handles server to server.
 */
export async function startTestSecrets(options: TestSecretsOptions): Promise<TestSecrets> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
  const tokens: Record<string, string> = {};
  for (const caller of ['ops', ...Object.keys(options.callers)]) tokens[caller] = `${caller}-${randomBytes(12).toString('hex')}`;
  let proc: SpawnedService;
  try {
    proc = await spawnService(SECRETS_MAIN, {
      env: {
        PORT: '0',
        SWITCHBOARD_TOKENS: Object.entries(tokens)
          .map(([name, token]) => `${name}:${token}`)
          .join(','),
        SWITCHBOARD_DATA_DIR: dir,
        SECRETS_FILE_PASSPHRASE: `test passphrase ${randomBytes(8).toString('hex')}`,
        SECRETS_RESOLVE_POLICY: JSON.stringify(options.callers),
        ...options.env,
      },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const mcpUrl = `${proc.url}/mcp`;
  const handles: Record<string, string> = {};
  const ops = createServiceClient({ url: mcpUrl, token: tokens.ops, name: 'secrets' });
  try {
    for (const [path, value] of Object.entries(options.secrets ?? {})) {
      const created = await ops.call<{ handle: string }>('createSecret', { path, value });
      handles[path] = created.handle;
    }
  } catch (error) {
    await ops.close();
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  await ops.close();
  const tokenOf = (caller: string) => {
    const token = tokens[caller];
    if (!token) throw new Error(`no test token for caller "${caller}"`);
    return token;
  };
  return {
    process: proc,
    mcpUrl,
    handles,
    tokenOf,
    envFor: (caller) => ({ SWITCHBOARD_SECRETS_URL: mcpUrl, SWITCHBOARD_SECRETS_TOKEN: tokenOf(caller) }),
    configFor: (caller) => ({ secretsUrl: mcpUrl, secretsToken: tokenOf(caller) }),
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
