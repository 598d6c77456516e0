import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { serviceEndpointConfig } from '../client/endpoint-config.ts';
import { databaseUrl } from '../sql/open-db.ts';
import { envBoolean, envBytes, envInt, envList } from './env-values.ts';
import { type ConfigSource, type ConfigSpec, defineConfig, mergeConfigSpecs } from './load-config.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export interface Credential {
  /** The caller identity this token stands for (used in logs, audit, changelogs). */
  name: string;
  token: string;
}

const MIN_TOKEN_LENGTH = 16;

function kitSchema(defaultPort: number) {
  return z.object({
    port: envInt({ min: 0, max: 65535 }).default(defaultPort),
    host: z.string().min(1).default('127.0.0.1'),
    auth: z.enum(['token', 'none']).default('token'),
    tokens: envList().default([]),
    tokensFile: z.string().min(1).optional(),
    credentials: z.array(z.object({ name: z.string(), token: z.string() })).default([]),
    allowedHosts: envList().default([]),
    allowedOrigins: envList().default([]),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    bodyLimit: envBytes().default(1024 * 1024),
    rateLimitPerMinute: envInt({ min: 0 }).default(1200),
    outputCapBytes: envBytes().default(32 * 1024),
    stateless: envBoolean().default(false),
    sessionIdleMs: envInt({ min: 1000 }).default(30 * 60 * 1000),
    maxSessions: envInt({ min: 1 }).default(1000),
    shutdownTimeoutMs: envInt({ min: 0 }).default(10_000),
    dataDir: z.string().min(1).default('./.data'),
    readOnly: envBoolean().default(false),
    fastHttp: envBoolean().default(true),
    idempotencyRetentionMs: envInt({ min: 100 }).default(24 * 60 * 60 * 1000),
    idempotencyDatabaseUrl: databaseUrl().optional(),
  });
}

/** Where ctx.resolveSecret and SetupInput.secrets resolve handles: SWITCHBOARD_SECRETS_URL/_TOKEN/_TOKEN_FILE/_TIMEOUT_MS. */
function secretsEndpointSpec() {
  return serviceEndpointConfig('secrets', 'SWITCHBOARD_SECRETS', { timeoutMs: 10_000 });
}

export type KitSchema = z.ZodObject<
  ReturnType<typeof kitSchema>['shape'] & ReturnType<typeof secretsEndpointSpec>['schema']['shape']
>;
export type KitConfig = z.infer<KitSchema>;

function parseCredential(entry: string, where: string, problems: string[]): Credential | undefined {
  const trimmed = entry.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const colon = trimmed.indexOf(':');
  const name = colon > 0 ? trimmed.slice(0, colon) : 'default';
  const token = colon > 0 ? trimmed.slice(colon + 1) : trimmed;
  if (token.length < MIN_TOKEN_LENGTH) {
    problems.push(`${where}: the token for "${name}" is shorter than ${MIN_TOKEN_LENGTH} characters`);
    return undefined;
  }
  return { name, token };
}

/**
 * The configuration every Switchboard process shares: listen address, security, limits, logging, and the secrets
 * service that resolves handles.
 */
export function kitConfigSpec(defaultPort: number): ConfigSpec<KitSchema> {
  return mergeConfigSpecs(ownSpec(defaultPort), secretsEndpointSpec());
}

function ownSpec(defaultPort: number) {
  return defineConfig({
    schema: kitSchema(defaultPort),
    env: {
      port: 'PORT',
      host: 'HOST',
      auth: 'SWITCHBOARD_AUTH',
      tokens: 'SWITCHBOARD_TOKENS',
      tokensFile: 'SWITCHBOARD_TOKENS_FILE',
      allowedHosts: 'SWITCHBOARD_ALLOWED_HOSTS',
      allowedOrigins: 'SWITCHBOARD_ALLOWED_ORIGINS',
      logLevel: 'LOG_LEVEL',
      bodyLimit: 'SWITCHBOARD_BODY_LIMIT',
      rateLimitPerMinute: 'SWITCHBOARD_RATE_LIMIT',
      outputCapBytes: 'SWITCHBOARD_OUTPUT_CAP',
      stateless: 'SWITCHBOARD_STATELESS',
      sessionIdleMs: 'SWITCHBOARD_SESSION_IDLE_MS',
      maxSessions: 'SWITCHBOARD_MAX_SESSIONS',
      shutdownTimeoutMs: 'SWITCHBOARD_SHUTDOWN_TIMEOUT_MS',
      dataDir: 'SWITCHBOARD_DATA_DIR',
      readOnly: 'SWITCHBOARD_READ_ONLY',
      fastHttp: 'SWITCHBOARD_FAST_HTTP',
      idempotencyRetentionMs: 'SWITCHBOARD_IDEMPOTENCY_RETENTION_MS',
      idempotencyDatabaseUrl: 'SWITCHBOARD_IDEMPOTENCY_DATABASE_URL',
    },
    finalize: (config, problems) => {
      const credentials: Credential[] = [...config.credentials];
      for (const entry of config.tokens) {
        const credential = parseCredential(entry, 'tokens (SWITCHBOARD_TOKENS)', problems);
        if (credential) credentials.push(credential);
      }
      if (config.tokensFile) {
        try {
          for (const line of readFileSync(config.tokensFile, 'utf8').split('\n')) {
            const credential = parseCredential(line, `tokensFile ${config.tokensFile}`, problems);
            if (credential) credentials.push(credential);
          }
        } catch (error) {
          problems.push(
            `tokensFile (SWITCHBOARD_TOKENS_FILE): cannot read ${config.tokensFile} (${(error as NodeJS.ErrnoException).code ?? error})`,
          );
        }
      }
      if (config.auth === 'token' && credentials.length === 0) {
        problems.push(
          'auth (SWITCHBOARD_AUTH) is "token" but no token is configured: set SWITCHBOARD_TOKENS=name:token[,...] or SWITCHBOARD_TOKENS_FILE, or SWITCHBOARD_AUTH=none for local development',
        );
      }
      return { ...config, tokens: [], credentials };
    },
  });
}

/** Where configuration comes from in a real process: the environment and the YAML file named by SWITCHBOARD_CONFIG. */
export function processConfigSource(): ConfigSource {
  return { env: process.env, file: process.env.SWITCHBOARD_CONFIG };
}
