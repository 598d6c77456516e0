import { readFileSync } from 'node:fs';
import { Agent, type Dispatcher, request } from 'undici';
import { backendError, isNetworkError } from '../errors.ts';

export type VaultAuth =
  | { method: 'token'; token: string }
  | { method: 'approle'; roleId: string; secretId: string; mount: string };

export interface VaultClientOptions {
  backend: string;
  url: string;
  namespace?: string | undefined;
  auth: VaultAuth;
  caFile?: string | undefined;
  timeoutMs: number;
}

export interface VaultResponse<T> {
  status: number;
  body: (T & { errors?: string[] }) | undefined;
}

/**
 * A small client for Vault's HTTP API (v1): token or AppRole login (the token is kept until it expires or is
 * refused, then AppRole logs in again), X-Vault-Namespace, JSON bodies, `{"errors":[...]}` bodies turned into
 * clear errors. Only what the KV v2 backend needs.
 */
export class VaultClient {
  readonly #options: VaultClientOptions;
  readonly #dispatcher: Dispatcher;
  #token: { value: string; expiresAt: number } | undefined;

  constructor(options: VaultClientOptions) {
    this.#options = options;
    this.#dispatcher = new Agent({
      connect: options.caFile ? { ca: readFileSync(options.caFile) } : {},
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 5000),
    });
    if (options.auth.method === 'token') this.#token = { value: options.auth.token, expiresAt: Number.POSITIVE_INFINITY };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #login(): Promise<string> {
    const auth = this.#options.auth;
    if (auth.method === 'token') return auth.token;
    if (this.#token && this.#token.expiresAt > Date.now() + 5000) return this.#token.value;
    const response = await this.#send<{ auth?: { client_token?: string; lease_duration?: number } }>(
      'POST',
      `/v1/auth/${auth.mount}/login`,
      { role_id: auth.roleId, secret_id: auth.secretId },
      undefined,
    );
    const token = response.body?.auth?.client_token;
    if (response.status !== 200 || !token) {
      throw backendError(
        this.#options.backend,
        response.status >= 500 ? 'unreachable' : 'bad_credentials',
        `AppRole login failed (HTTP ${response.status}${this.#errors(response.body)})`,
      );
    }
    const lease = response.body?.auth?.lease_duration ?? 0;
    this.#token = { value: token, expiresAt: lease > 0 ? Date.now() + lease * 1000 : Number.POSITIVE_INFINITY };
    return token;
  }

  #errors(body: { errors?: unknown } | undefined): string {
    const errors = Array.isArray(body?.errors) ? body.errors.filter((e) => typeof e === 'string') : [];
    return errors.length > 0 ? `: ${errors.join('; ').slice(0, 300)}` : '';
  }

  async #send<T>(method: string, path: string, body: unknown, token: string | undefined): Promise<VaultResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers['x-vault-token'] = token;
    if (this.#options.namespace) headers['x-vault-namespace'] = this.#options.namespace;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await request(new URL(path, this.#options.url), {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        dispatcher: this.#dispatcher,
      });
      const text = await response.body.text();
      let parsed: (T & { errors?: string[] }) | undefined;
      if (text.trim() !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw backendError(
            this.#options.backend,
            'rejected',
            `Vault answered HTTP ${response.statusCode} with a body that is not JSON`,
          );
        }
      }
      return { status: response.statusCode, body: parsed };
    } catch (error) {
      if (isNetworkError(error)) {
        throw backendError(
          this.#options.backend,
          'unreachable',
          `Vault at ${this.#options.url} cannot be reached (${(error as Error).message})`,
        );
      }
      throw error;
    }
  }

  /**
   * One authenticated call. 403 with AppRole logs in once more (the token may have been revoked); 5xx, 429 and
   * sealed Vaults are `unreachable` (retryable); other statuses are returned for the caller to interpret.
   */
  async call<T>(method: string, path: string, body?: unknown): Promise<VaultResponse<T>> {
    let response = await this.#send<T>(method, path, body, await this.#login());
    if (response.status === 403 && this.#options.auth.method === 'approle') {
      this.#token = undefined;
      response = await this.#send<T>(method, path, body, await this.#login());
    }
    if (response.status === 403) {
      throw backendError(
        this.#options.backend,
        'bad_credentials',
        `Vault refused the token for ${method} ${path}${this.#errors(response.body)}`,
      );
    }
    if (response.status === 429 || response.status >= 500) {
      throw backendError(
        this.#options.backend,
        'unreachable',
        `Vault answered HTTP ${response.status} for ${method} ${path}${this.#errors(response.body)}`,
      );
    }
    return response;
  }

  /** Raises a `rejected` error for a status the caller did not expect. */
  unexpected(response: VaultResponse<unknown>, what: string): never {
    throw backendError(
      this.#options.backend,
      'rejected',
      `Vault refused to ${what} (HTTP ${response.status}${this.#errors(response.body)})`,
    );
  }

  async health(): Promise<void> {
    const response = await this.#send<{ sealed?: boolean; initialized?: boolean }>('GET', '/v1/sys/health', undefined, undefined);
    if (response.status === 503 || response.body?.sealed)
      throw backendError(this.#options.backend, 'unreachable', 'Vault is sealed');
    if (response.status === 501) throw backendError(this.#options.backend, 'unreachable', 'Vault is not initialized');
    if (response.status !== 200 && response.status !== 429 && response.status !== 473) {
      throw backendError(this.#options.backend, 'unreachable', `Vault health answered HTTP ${response.status}`);
    }
    const self = await this.call<{ data?: unknown }>('GET', '/v1/auth/token/lookup-self');
    if (self.status !== 200) this.unexpected(self, 'look up its own token');
  }
}
