import { isSecretHandle, type Redactor, ToolError } from '@switchboard/shared';
import type { EndpointConfig } from '../config.ts';
import { createLexicalEmbedder } from '../embeddings/lexical-embedder.ts';
import type { ModelEntry } from '../registry/model-entry.ts';
import { createAnthropicProvider } from './anthropic.ts';
import { createGeminiProvider } from './gemini.ts';
import { createOpenAiProvider } from './openai-compatible.ts';
import { createSamplingProvider } from './sampling.ts';
import type { ChatProvider, EmbeddingProvider } from './types.ts';

/**
 * Resolves a `secret://` handle to its value: the kit's SecretResolver (SetupInput.secrets), which also registers
 * the value with the redactor. Its errors (no secrets service configured, outside the resolve policy) reach the call.
 */
export type SecretResolver = (handle: string) => Promise<string>;

export interface ProviderSetOptions {
  endpoints: Readonly<Record<string, EndpointConfig>>;
  samplingTimeoutMs: number;
  redactor: Redactor;
  resolveSecret: SecretResolver;
}

type Client = ChatProvider & Partial<EmbeddingProvider>;

/** One SDK client per endpoint, created on first use with its key resolved (and registered with the redactor). */
export class ProviderSet {
  readonly #options: ProviderSetOptions;
  readonly #clients = new Map<string, Promise<Client>>();
  readonly #sampling: ChatProvider;
  readonly #lexical = createLexicalEmbedder();

  constructor(options: ProviderSetOptions) {
    this.#options = options;
    this.#sampling = createSamplingProvider({ timeoutMs: options.samplingTimeoutMs });
    // Literal keys are known now: no log line or result may ever show them.
    for (const endpoint of Object.values(options.endpoints)) {
      if (endpoint.apiKey && !isSecretHandle(endpoint.apiKey)) options.redactor.register(endpoint.apiKey);
    }
  }

  endpointOf(model: ModelEntry): string {
    return model.endpoint ?? model.provider;
  }

  /** The endpoint's base URL as configured (part of the cache key: two servers are two caches). */
  baseUrlOf(model: ModelEntry): string {
    return this.#options.endpoints[this.endpointOf(model)]?.baseUrl ?? 'default';
  }

  timeoutOf(model: ModelEntry): number {
    if (model.provider === 'sampling') return this.#options.samplingTimeoutMs;
    return this.#options.endpoints[this.endpointOf(model)]?.timeoutMs ?? 60_000;
  }

  async #client(model: ModelEntry): Promise<Client> {
    const name = this.endpointOf(model);
    let client = this.#clients.get(name);
    if (!client) {
      client = this.#create(name);
      this.#clients.set(name, client);
      client.catch(() => this.#clients.delete(name));
    }
    return client;
  }

  async #create(name: string): Promise<Client> {
    const endpoint = this.#options.endpoints[name];
    if (!endpoint) throw new ToolError('INTERNAL', `endpoint "${name}" is not configured`);
    let apiKey = endpoint.apiKey;
    if (apiKey && isSecretHandle(apiKey)) {
      apiKey = await this.#options.resolveSecret(apiKey);
      this.#options.redactor.register(apiKey);
    }
    const common = { baseUrl: endpoint.baseUrl, timeoutMs: endpoint.timeoutMs };
    switch (endpoint.kind) {
      case 'anthropic':
        return createAnthropicProvider({ ...common, apiKey: apiKey ?? '' });
      case 'gemini':
        return createGeminiProvider({ ...common, apiKey: apiKey ?? '' });
      default:
        return createOpenAiProvider({ ...common, apiKey });
    }
  }

  async chat(model: ModelEntry): Promise<ChatProvider> {
    if (model.provider === 'sampling') return this.#sampling;
    if (model.provider === 'lexical') throw new ToolError('INVALID_ARGUMENT', `${model.id} is an embedding model`);
    return this.#client(model);
  }

  async embedder(model: ModelEntry): Promise<EmbeddingProvider> {
    if (model.provider === 'lexical') return this.#lexical;
    if (model.provider === 'sampling') throw new ToolError('UNSUPPORTED', 'the sampling provider has no embeddings');
    const client = await this.#client(model);
    if (!client.embed || client.maxBatch === undefined) {
      throw new ToolError('UNSUPPORTED', `${model.provider} embeddings are not offered through this service`);
    }
    return client as EmbeddingProvider;
  }
}
