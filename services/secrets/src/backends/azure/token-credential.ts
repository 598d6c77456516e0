import { readFileSync } from 'node:fs';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { type Dispatcher, request } from 'undici';

export interface ClientSecretOptions {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  dispatcher?: Dispatcher;
}

/**
 * A Microsoft Entra ID client-credentials token (POST {authority}/{tenant}/oauth2/v2.0/token), cached until five
 * minutes before it expires. The tenant of a Key Vault challenge (options.tenantId) wins over the configured one.
 */
export class ClientSecretTokenCredential implements TokenCredential {
  readonly #o: ClientSecretOptions;
  #cache = new Map<string, AccessToken>();

  constructor(options: ClientSecretOptions) {
    this.#o = options;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const scope = Array.isArray(scopes) ? scopes.join(' ') : scopes;
    const tenant = options?.tenantId ?? this.#o.tenantId;
    const key = `${tenant} ${scope}`;
    const cached = this.#cache.get(key);
    if (cached && cached.expiresOnTimestamp > Date.now() + 5 * 60 * 1000) return cached;
    const response = await request(
      new URL(`${encodeURIComponent(tenant)}/oauth2/v2.0/token`, `${this.#o.authorityHost.replace(/\/$/, '')}/`),
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: this.#o.clientId,
          client_secret: this.#o.clientSecret,
          scope,
        }).toString(),
        ...(this.#o.dispatcher ? { dispatcher: this.#o.dispatcher } : {}),
      },
    );
    const body = (await response.body.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (response.statusCode !== 200 || !body.access_token) {
      const error = new Error(
        `Entra ID token request failed (HTTP ${response.statusCode}${body.error ? `: ${body.error}` : ''})`,
      );
      error.name = 'CredentialUnavailableError';
      throw error;
    }
    const token = { token: body.access_token, expiresOnTimestamp: Date.now() + (body.expires_in ?? 3600) * 1000 };
    this.#cache.set(key, token);
    return token;
  }
}

/** A token read from a file on every request (a sidecar or workload identity keeps it fresh) or given as is. */
export class StaticTokenCredential implements TokenCredential {
  readonly #token: string | undefined;
  readonly #file: string | undefined;

  constructor(options: { token?: string | undefined; tokenFile?: string | undefined }) {
    this.#token = options.token;
    this.#file = options.tokenFile;
  }

  async getToken(): Promise<AccessToken> {
    const token = this.#file ? readFileSync(this.#file, 'utf8').trim() : (this.#token ?? '');
    return { token, expiresOnTimestamp: Date.now() + 60 * 1000 };
  }
}
