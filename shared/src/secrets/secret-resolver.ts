import { createServiceClient, type ServiceClient, type ServiceClientOptions } from '../client/service-client.ts';
import { ConfigError } from '../config/load-config.ts';
import { ToolError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { Redactor } from '../logging/redactor.ts';
import { sleep } from '../runtime/sleep.ts';
import { isSecretHandle, looksLikeSecretHandle, SECRET_HANDLE_SCHEME } from './handle.ts';
import { createRecipient, SEAL_ALGORITHM, type SealedEnvelope } from './sealing.ts';

/** A handle resolved server to server. */
export interface ResolvedSecret {
  /** The secret's value: registered with the process redactor, so it never reaches a log or a result. */
  value: string;
  /** The exact version resolved, pinned: `secret://<backend>/<path>#<version>`. */
  handle: string;
  version: string;
}

export interface ResolveSecretOptions {
  /** What the value is for (`env:PGPASSWORD`), kept in the secrets service's audit log. */
  purpose?: string | undefined;
  signal?: AbortSignal | undefined;
  /** The call's correlation id (the secrets service logs and audits under it). */
  correlationId?: string | undefined;
}

export interface ResolveConfigOptions<K extends string> {
  /** The environment variable of each key, for the error message. */
  env?: Partial<Record<K, string>>;
  /** How long to keep trying while the secrets service cannot be reached (it may start after us); default 20 s. */
  waitMs?: number;
}

/** Resolves `secret://` handles through the secrets service (its `resolveSecret` tool, under its resolve policy). */
export interface SecretResolver {
  /** Whether a secrets endpoint is configured (SWITCHBOARD_SECRETS_URL). */
  readonly configured: boolean;
  /**
   * Resolves one handle: asks the secrets service with a one-time X25519 key, opens the sealed answer, registers the
   * value with the redactor. Errors: INVALID_ARGUMENT (not a handle), UNSUPPORTED (no secrets endpoint), the secrets
   * service's own (PERMISSION_DENIED outside the resolve policy, NOT_FOUND, CONFLICT for a retired or expired
   * version), DEPENDENCY_UNAVAILABLE when it cannot be reached, UPSTREAM_ERROR for an answer that does not open.
   */
  resolve(handle: string, options?: ResolveSecretOptions): Promise<ResolvedSecret>;
  /**
   * For credentials in configuration, at start-up: every value that is a handle is resolved (the others are
   * returned as they are). Any that fails stops start-up with one ConfigError (exit 2) listing each; a secrets
   * service that cannot be reached yet is retried for `waitMs` first.
   */
  resolveConfig<K extends string>(
    values: Record<K, string | undefined>,
    options?: ResolveConfigOptions<K>,
  ): Promise<Record<K, string | undefined>>;
  close(): Promise<void>;
}

export interface SecretResolverOptions {
  /** The secrets service's endpoint (`serviceEndpoint(config, 'secrets')`); undefined when none is configured. */
  endpoint: Pick<ServiceClientOptions, 'url' | 'token' | 'timeoutMs' | 'name'> | undefined;
  /** This service's name (errors, and the client name at initialize). */
  service: string;
  redactor: Redactor;
  log: Logger;
}

/** The secrets service's `purpose` syntax: 1-100 of letters, digits, space and `._:/=-`. */
export function purposeOf(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9 ._:/=-]/g, '-')
      .slice(0, 100)
      .trim() || 'unspecified'
  );
}

function isEnvelope(value: unknown): value is SealedEnvelope {
  const e = value as Partial<SealedEnvelope> | undefined;
  return (
    e?.alg === SEAL_ALGORITHM &&
    [e.epk, e.iv, e.ciphertext, e.tag].every((part) => typeof part === 'string' && /^[0-9a-f]*$/.test(part))
  );
}

/** The handle without its version: the secret it names. */
function secretOf(handle: string): string {
  const hash = handle.indexOf('#');
  return hash < 0 ? handle : handle.slice(0, hash);
}

export function createSecretResolver(options: SecretResolverOptions): SecretResolver {
  const { service, redactor, log } = options;
  const client: ServiceClient | undefined = options.endpoint
    ? createServiceClient({
        ...options.endpoint,
        name: options.endpoint.name ?? 'secrets',
        clientInfo: { name: service, version: '1.0.0' },
        redactor,
      })
    : undefined;

  const resolve = async (handle: string, call: ResolveSecretOptions = {}): Promise<ResolvedSecret> => {
    // A value passed where a handle belongs is never echoed: it may be the secret itself.
    if (!isSecretHandle(handle)) {
      throw new ToolError('INVALID_ARGUMENT', `a secret handle looks like ${SECRET_HANDLE_SCHEME}<backend>/<path>[#version]`, {
        details: { reason: 'bad_handle' },
      });
    }
    if (!client) {
      throw new ToolError(
        'UNSUPPORTED',
        `${service} cannot resolve ${handle}: no secrets service is configured (set SWITCHBOARD_SECRETS_URL, and SWITCHBOARD_SECRETS_TOKEN to a token the secrets service's resolvePolicy names)`,
        { details: { handle, reason: 'no_secrets_endpoint' } },
      );
    }
    const recipient = createRecipient();
    const purpose = purposeOf(call.purpose ?? service);
    const answer = await client.call<{ handle?: unknown; version?: unknown; sealed?: unknown }>(
      'resolveSecret',
      { handle, recipientPublicKey: recipient.publicKey, purpose },
      { signal: call.signal, correlationId: call.correlationId },
    );
    const bad = (why: string) =>
      new ToolError('UPSTREAM_ERROR', `the secrets service's answer for ${handle} ${why}`, { details: { handle } });
    if (typeof answer.handle !== 'string' || typeof answer.version !== 'string' || !isEnvelope(answer.sealed)) {
      throw bad('is not a sealed value');
    }
    if (secretOf(answer.handle) !== secretOf(handle)) throw bad(`names another secret (${secretOf(answer.handle)})`);
    let value: string;
    try {
      value = recipient.open(answer.sealed, answer.handle);
    } catch {
      throw bad('does not open with our key (altered, or sealed to another key)');
    }
    redactor.register(value);
    log.info({ handle: answer.handle, purpose }, 'secret resolved');
    return { value, handle: answer.handle, version: answer.version };
  };

  const resolveOne = async (handle: string, purpose: string, waitMs: number): Promise<string> => {
    const deadline = Date.now() + waitMs;
    for (let delay = 250; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return (await resolve(handle, { purpose })).value;
      } catch (error) {
        const retry = error instanceof ToolError && error.retryable && Date.now() + delay < deadline;
        if (!retry) throw error;
        log.warn({ handle, err: error }, 'the secrets service cannot resolve a configured handle yet; retrying');
        await sleep(delay);
      }
    }
  };

  return {
    configured: client !== undefined,
    resolve,
    async resolveConfig<K extends string>(values: Record<K, string | undefined>, config: ResolveConfigOptions<K> = {}) {
      const out = {} as Record<K, string | undefined>;
      const problems: string[] = [];
      for (const key of Object.keys(values) as K[]) {
        const value = values[key];
        out[key] = value;
        if (!looksLikeSecretHandle(value)) continue;
        const where = `${key}${config.env?.[key] ? ` (${config.env[key]})` : ''}`;
        try {
          out[key] = await resolveOne(value, `config:${key}`, config.waitMs ?? 20_000);
          log.info({ key, handle: value }, 'configuration secret resolved');
        } catch (error) {
          problems.push(`${where}: ${(error as Error).message}`);
        }
      }
      if (problems.length > 0) throw new ConfigError(service, problems);
      return out;
    },
    close: async () => {
      await client?.close();
    },
  };
}
