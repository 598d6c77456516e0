import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, envInt, envJson, envList, z } from '@switchboard/shared';
import { BACKEND_NAME } from './model/handle.ts';
import { policyProblems } from './safety/resolve-policy.ts';

const name = z.string().regex(BACKEND_NAME, 'lower-case letters, digits and -, starting with a letter');
/** A credential given inline or, better, as a file holding it (read once at start-up). */
const secretText = z.string().min(1).optional();

const fileBackend = z.strictObject({
  kind: z.literal('file'),
  name,
  file: z.string().min(1).optional().describe('store file; default <dataDir>/secrets/<name>.store.json'),
  passphrase: secretText,
  passphraseFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional().describe('file whose content is the key material'),
  kdf: z.enum(['scrypt', 'argon2id']).default('scrypt'),
});

const keepassBackend = z.strictObject({
  kind: z.literal('keepass'),
  name,
  file: z.string().min(1),
  password: secretText,
  passwordFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  lockWaitMs: z.number().int().min(0).max(60_000).default(2000),
});

const vaultBackend = z.strictObject({
  kind: z.literal('vault'),
  name,
  url: z.url({ protocol: /^https?$/ }),
  mount: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/)
    .default('secret'),
  prefix: z
    .string()
    .regex(/^(?:[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*)?$/)
    .default(''),
  namespace: z.string().min(1).optional(),
  valueKey: z.string().min(1).default('value'),
  token: secretText,
  tokenFile: z.string().min(1).optional(),
  approle: z
    .strictObject({
      roleId: z.string().min(1),
      secretId: secretText,
      secretIdFile: z.string().min(1).optional(),
      mount: z.string().min(1).default('approle'),
    })
    .optional(),
  caFile: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(100).default(10_000),
});

const azureBackend = z.strictObject({
  kind: z.literal('azure'),
  name,
  vaultUrl: z.url({ protocol: /^https$/ }),
  tenantId: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: secretText,
  clientSecretFile: z.string().min(1).optional(),
  authorityHost: z.url().default('https://login.microsoftonline.com'),
  accessTokenFile: z.string().min(1).optional().describe('a bearer token file kept fresh by a sidecar'),
  caFile: z.string().min(1).optional(),
  disableChallengeResourceVerification: z.boolean().default(false),
  pollIntervalMs: z.number().int().min(10).default(2000),
});

const awsBackend = z.strictObject({
  kind: z.literal('aws'),
  name,
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as eu-west-1'),
  endpoint: z.url().optional(),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]*$/)
    .default(''),
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: secretText,
  secretAccessKeyFile: z.string().min(1).optional(),
  sessionToken: secretText,
  maxAttempts: z.number().int().min(1).max(10).default(3),
});

export const backendSchema = z.discriminatedUnion('kind', [fileBackend, keepassBackend, vaultBackend, azureBackend, awsBackend]);
export type BackendConfig = z.infer<typeof backendSchema>;

export const secretsConfig = defineConfig({
  schema: z.object({
    backends: envJson(z.array(backendSchema).min(1))
      .default([{ kind: 'file', name: 'local', kdf: 'scrypt' }])
      .describe('mounted backends; the zero-config default is one encrypted file store named local'),
    defaultBackend: name.optional().describe('where createSecret writes without a backend; default the first'),
    filePassphrase: secretText.describe('passphrase for file backends that name none'),
    resolvePolicy: envJson(z.record(z.string().min(1), z.array(z.string().min(1))))
      .default({})
      .describe('caller name -> globs over <backend>/<path> it may resolve; default deny'),
    revealMode: z.enum(['ask', 'deny']).default('ask'),
    deleteApproval: z.enum(['ask', 'auto', 'deny']).default('ask'),
    recoveryWindowDays: envInt({ min: 1, max: 90 }).default(7),
    rotationGraceSeconds: envInt({ min: 0, max: 90 * 24 * 3600 }).default(24 * 3600),
    rotationWebhooks: envList(z.url({ protocol: /^https?$/ })).default([]),
    webhookSecret: secretText.describe('HMAC-SHA256 key signing webhook bodies (x-switchboard-signature)'),
    auditFile: z.string().min(1).optional().describe('JSONL audit file; default <dataDir>/secrets-audit.jsonl'),
    listMax: envInt({ min: 100, max: 100_000 }).default(10_000),
  }),
  env: {
    backends: 'SECRETS_BACKENDS',
    defaultBackend: 'SECRETS_DEFAULT_BACKEND',
    filePassphrase: 'SECRETS_FILE_PASSPHRASE',
    resolvePolicy: 'SECRETS_RESOLVE_POLICY',
    revealMode: 'SECRETS_REVEAL_MODE',
    deleteApproval: 'SECRETS_DELETE_APPROVAL',
    recoveryWindowDays: 'SECRETS_RECOVERY_WINDOW_DAYS',
    rotationGraceSeconds: 'SECRETS_ROTATION_GRACE_SECONDS',
    rotationWebhooks: 'SECRETS_ROTATION_WEBHOOKS',
    webhookSecret: 'SECRETS_WEBHOOK_SECRET',
    auditFile: 'SECRETS_AUDIT_FILE',
    listMax: 'SECRETS_LIST_MAX',
  },
  finalize: (config, problems) => {
    const dataDir = (config as { dataDir?: string }).dataDir ?? './.data';
    const read = (where: string, file: string | undefined): string | undefined => {
      if (!file) return undefined;
      try {
        return readFileSync(file, 'utf8').trim();
      } catch (error) {
        problems.push(`${where}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
        return undefined;
      }
    };
    const names = new Set<string>();
    const backends = (config.backends ?? []).map((backend, index) => {
      const where = `backends.${index} (${backend.name})`;
      if (names.has(backend.name)) problems.push(`${where}: the name "${backend.name}" is used twice`);
      names.add(backend.name);
      switch (backend.kind) {
        case 'file': {
          const passphrase =
            backend.passphrase ?? read(`${where}.passphraseFile`, backend.passphraseFile) ?? config.filePassphrase;
          return {
            ...backend,
            file: backend.file ?? join(dataDir, 'secrets', `${backend.name}.store.json`),
            ...(passphrase && !backend.keyFile ? { passphrase } : {}),
          };
        }
        case 'keepass': {
          const password = backend.password ?? read(`${where}.passwordFile`, backend.passwordFile);
          if (!password && !backend.keyFile)
            problems.push(`${where}: give password, passwordFile or keyFile (the database's master key)`);
          return { ...backend, ...(password ? { password } : {}) };
        }
        case 'vault': {
          const token = backend.token ?? read(`${where}.tokenFile`, backend.tokenFile);
          const approle = backend.approle && {
            ...backend.approle,
            secretId: backend.approle.secretId ?? read(`${where}.approle.secretIdFile`, backend.approle.secretIdFile),
          };
          if (!token && !approle) problems.push(`${where}: give token, tokenFile or approle (roleId + secretId)`);
          if (approle && !approle.secretId) problems.push(`${where}: approle needs secretId or secretIdFile`);
          return { ...backend, ...(token ? { token } : {}), ...(approle ? { approle } : {}) };
        }
        case 'azure': {
          const clientSecret = backend.clientSecret ?? read(`${where}.clientSecretFile`, backend.clientSecretFile);
          const app = backend.tenantId && backend.clientId && clientSecret;
          if (!app && !backend.accessTokenFile) {
            problems.push(`${where}: give tenantId + clientId + clientSecret(File), or accessTokenFile`);
          }
          return { ...backend, ...(clientSecret ? { clientSecret } : {}) };
        }
        case 'aws': {
          const secretAccessKey = backend.secretAccessKey ?? read(`${where}.secretAccessKeyFile`, backend.secretAccessKeyFile);
          if (backend.accessKeyId && !secretAccessKey)
            problems.push(`${where}: accessKeyId needs secretAccessKey or secretAccessKeyFile`);
          return { ...backend, ...(secretAccessKey ? { secretAccessKey } : {}) };
        }
        default:
          return backend;
      }
    });
    const defaultBackend = config.defaultBackend ?? backends[0]?.name;
    if (config.defaultBackend && !names.has(config.defaultBackend)) {
      problems.push(
        `defaultBackend (SECRETS_DEFAULT_BACKEND): "${config.defaultBackend}" is not a mounted backend (${[...names].join(', ')})`,
      );
    }
    problems.push(...policyProblems(config.resolvePolicy ?? {}, [...names]));
    return {
      ...config,
      backends,
      ...(defaultBackend ? { defaultBackend } : {}),
      auditFile: config.auditFile ?? join(dataDir, 'secrets-audit.jsonl'),
    };
  },
});

export type SecretsConfig = z.infer<typeof secretsConfig.schema>;

/** Every credential in the configuration, for the redactor. */
export function configSecrets(config: SecretsConfig): string[] {
  const out: (string | undefined)[] = [config.filePassphrase, config.webhookSecret];
  for (const b of config.backends) {
    if (b.kind === 'file') out.push(b.passphrase);
    if (b.kind === 'keepass') out.push(b.password);
    if (b.kind === 'vault') out.push(b.token, b.approle?.secretId);
    if (b.kind === 'azure') out.push(b.clientSecret);
    if (b.kind === 'aws') out.push(b.secretAccessKey, b.sessionToken);
  }
  return out.filter((v): v is string => typeof v === 'string' && v.length > 0);
}
