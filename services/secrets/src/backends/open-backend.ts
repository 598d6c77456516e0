import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { SecretClient } from '@azure/keyvault-secrets';
import type { Logger } from '@switchboard/shared';
import { Agent } from 'undici';
import type { BackendConfig } from '../config.ts';
import { AwsSecretsBackend, createAwsClient } from './aws/aws-backend.ts';
import { AzureKeyVaultBackend } from './azure/azure-backend.ts';
import { ClientSecretTokenCredential, StaticTokenCredential } from './azure/token-credential.ts';
import type { SecretBackend } from './backend.ts';
import { FileStoreBackend } from './file-store/file-store.ts';
import { keyMaterial } from './file-store/key-source.ts';
import { KeePassBackend } from './keepass/keepass-backend.ts';
import { VaultKvBackend } from './vault/vault-backend.ts';
import { VaultClient } from './vault/vault-client.ts';

/** Builds the client of one configured backend; nothing is contacted yet (health checks do that). */
export function openBackend(config: BackendConfig, dataDir: string, log: Logger): SecretBackend {
  switch (config.kind) {
    case 'file': {
      const { material } = keyMaterial({
        passphrase: config.passphrase,
        keyFile: config.keyFile,
        generatedKeyFile: join(dataDir, 'secrets', `${config.name}.key`),
        log,
      });
      return new FileStoreBackend({ name: config.name, file: config.file as string, material, kdf: config.kdf });
    }
    case 'keepass':
      return new KeePassBackend({
        name: config.name,
        file: config.file,
        password: config.password,
        keyFile: config.keyFile,
        lockWaitMs: config.lockWaitMs,
      });
    case 'vault': {
      const auth = config.approle
        ? {
            method: 'approle' as const,
            roleId: config.approle.roleId,
            secretId: config.approle.secretId as string,
            mount: config.approle.mount,
          }
        : { method: 'token' as const, token: config.token as string };
      const client = new VaultClient({
        backend: config.name,
        url: config.url,
        namespace: config.namespace,
        auth,
        caFile: config.caFile,
        timeoutMs: config.timeoutMs,
      });
      return new VaultKvBackend({
        name: config.name,
        client,
        url: config.url,
        mount: config.mount,
        prefix: config.prefix,
        valueKey: config.valueKey,
      });
    }
    case 'azure': {
      const ca = config.caFile ? readFileSync(config.caFile) : undefined;
      const credential =
        config.tenantId && config.clientId && config.clientSecret
          ? new ClientSecretTokenCredential({
              authorityHost: config.authorityHost,
              tenantId: config.tenantId,
              clientId: config.clientId,
              clientSecret: config.clientSecret,
              ...(ca ? { dispatcher: new Agent({ connect: { ca } }) } : {}),
            })
          : new StaticTokenCredential({ tokenFile: config.accessTokenFile });
      const client = new SecretClient(config.vaultUrl, credential, {
        disableChallengeResourceVerification: config.disableChallengeResourceVerification,
        retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
        ...(ca ? { agent: new HttpsAgent({ ca, keepAlive: true }) } : {}),
      });
      return new AzureKeyVaultBackend({
        name: config.name,
        client,
        vaultUrl: config.vaultUrl,
        pollIntervalMs: config.pollIntervalMs,
      });
    }
    case 'aws':
      return new AwsSecretsBackend({
        name: config.name,
        region: config.region,
        prefix: config.prefix,
        client: createAwsClient({
          region: config.region,
          endpoint: config.endpoint,
          maxAttempts: config.maxAttempts,
          credentials: config.accessKeyId
            ? {
                accessKeyId: config.accessKeyId,
                secretAccessKey: config.secretAccessKey as string,
                sessionToken: config.sessionToken,
              }
            : undefined,
        }),
      });
  }
}
