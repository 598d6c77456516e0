import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as kdbxweb from 'kdbxweb';
import { installArgon2 } from '../src/backends/keepass/argon2.ts';
import { startAwsFixture } from './fixtures/aws-fixture.ts';
import { startAzureFixture } from './fixtures/azure-fixture.ts';
import { selfSignedCert } from './fixtures/tls.ts';
import { startVaultFixture } from './fixtures/vault-fixture.ts';

export interface TestBackend {
  /** The backends entry of the service config, mounted under `name`. */
  config: Record<string, unknown>;
  dir: string;
  destroy(): Promise<void>;
}

export const KDBX_PASSWORD = 'correct horse battery staple 42';

/** A real KDBX 4 database with Argon2id, as KeePass would create it (not through our backend). */
export async function createKdbx(file: string, password = KDBX_PASSWORD): Promise<void> {
  installArgon2();
  const db = kdbxweb.Kdbx.create(new kdbxweb.KdbxCredentials(kdbxweb.ProtectedValue.fromString(password)), 'switchboard-test');
  db.setVersion(4);
  db.setKdf(kdbxweb.Consts.KdfId.Argon2id);
  // Keep the test quick: a small Argon2 memory (KeePass's default is 64 MiB).
  db.header.kdfParameters?.set('M', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(1024 * 1024));
  db.header.kdfParameters?.set('I', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(2));
  writeFileSync(file, new Uint8Array(await db.save()));
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const BACKENDS: { kind: string; make: (name: string) => Promise<TestBackend> }[] = [
  {
    kind: 'file',
    make: async (name) => {
      const dir = tempDir('secrets-file-');
      return {
        dir,
        config: {
          kind: 'file',
          name,
          file: join(dir, 'store.json'),
          passphrase: 'a long test passphrase for the store',
          kdf: 'scrypt',
        },
        destroy: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    kind: 'keepass',
    make: async (name) => {
      const dir = tempDir('secrets-kdbx-');
      const file = join(dir, 'vault.kdbx');
      await createKdbx(file);
      return {
        dir,
        config: { kind: 'keepass', name, file, password: KDBX_PASSWORD },
        destroy: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    kind: 'vault',
    make: async (name) => {
      const dir = tempDir('secrets-vault-');
      const vault = await startVaultFixture();
      return {
        dir,
        config: {
          kind: 'vault',
          name,
          url: vault.url,
          approle: { roleId: vault.roleId, secretId: vault.secretId },
          prefix: 'switchboard',
        },
        destroy: async () => {
          await vault.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    kind: 'aws',
    make: async (name) => {
      const dir = tempDir('secrets-aws-');
      const aws = await startAwsFixture();
      return {
        dir,
        config: {
          kind: 'aws',
          name,
          region: aws.region,
          endpoint: aws.url,
          accessKeyId: aws.accessKeyId,
          secretAccessKey: aws.secretAccessKey,
          prefix: 'sb/',
          maxAttempts: 1,
        },
        destroy: async () => {
          await aws.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    kind: 'azure',
    make: async (name) => {
      const dir = tempDir('secrets-azure-');
      const tls = selfSignedCert(dir);
      const azure = await startAzureFixture(tls);
      return {
        dir,
        config: {
          kind: 'azure',
          name,
          vaultUrl: azure.url,
          tenantId: azure.tenantId,
          clientId: azure.clientId,
          clientSecret: azure.clientSecret,
          authorityHost: azure.url,
          caFile: tls.certFile,
          disableChallengeResourceVerification: true,
          pollIntervalMs: 20,
        },
        destroy: async () => {
          await azure.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];
