import { defineConfig, envBoolean, envInt, envJson, envList, z } from '@switchboard/shared';
import { databaseUrl } from '@switchboard/shared/sql';
import { BUILTIN_MODELS } from './registry/catalogue.ts';
import { type ModelEntry, modelSchema, PROVIDER_KINDS } from './registry/model-entry.ts';

/** An API key: the value itself, or a `secret://` handle the secrets service resolves (see README). */
const apiKeySchema = z.string().min(1);

const endpointSchema = z.strictObject({
  kind: z.enum(['anthropic', 'gemini', 'openai']),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKey: apiKeySchema.optional(),
  timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
});

export type EndpointConfig = z.infer<typeof endpointSchema>;

const budgetSchema = z.strictObject({
  tokensPerDay: z.number().int().min(0).optional(),
  usdPerDay: z.number().min(0).optional(),
});

export type BudgetLimits = z.infer<typeof budgetSchema>;

/** ai-models' own settings; the kit's (port, auth, limits, SWITCHBOARD_DATA_DIR, SWITCHBOARD_READ_ONLY) come on top. */
export const aiConfig = defineConfig({
  schema: z.object({
    anthropicApiKey: apiKeySchema.optional(),
    anthropicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    geminiApiKey: apiKeySchema.optional(),
    geminiBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    openaiApiKey: apiKeySchema.optional(),
    openaiBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    endpoints: envJson(z.record(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/), endpointSchema)).default({}),
    models: envJson(z.array(modelSchema)).default([]),
    defaultModel: z.string().min(1).default('client'),
    defaultEmbeddingModel: z.string().min(1).default('lexical-v1'),
    allowedModels: envList().default([]),
    maxTokensCap: envInt({ min: 1, max: 1_000_000 }).default(4096),
    budgetTokensPerDay: envInt({ min: 0 }).optional(),
    budgetUsdPerDay: z.coerce.number().min(0).optional(),
    callerBudgets: envJson(z.record(z.string().min(1), budgetSchema)).default({}),
    retryAttempts: envInt({ min: 1, max: 10 }).default(2),
    retryBaseDelayMs: envInt({ min: 0, max: 60_000 }).default(500),
    retryMaxDelayMs: envInt({ min: 0, max: 300_000 }).default(8000),
    promptRedaction: z.enum(['redact', 'refuse']).default('redact'),
    samplingTimeoutMs: envInt({ min: 1000 }).default(120_000),
    cacheEnabled: envBoolean().default(true),
    cacheUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional()
      .describe('Redis URL for the response cache; SQLite under the data directory when unset'),
    cacheTtlSeconds: envInt({ min: 1 }).default(86_400),
    cachePrefix: z.string().min(1).default('switchboard:ai:'),
    databaseUrl: databaseUrl()
      .optional()
      .describe(
        'The ledger, SQLite cache and embedded vector store: postgres:// or a SQLite file; default <dataDir>/ai-models.sqlite',
      ),
    poolSize: envInt({ min: 1, max: 200 }).default(10),
    vectorStore: z.enum(['embedded', 'qdrant']).default('embedded'),
    qdrantUrl: z.url({ protocol: /^https?$/ }).optional(),
    qdrantApiKey: apiKeySchema.optional(),
    lexicalDimensions: envInt({ min: 16, max: 8192 }).default(512),
    embedBatchSize: envInt({ min: 1, max: 2048 }).default(64),
    maxChunkChars: envInt({ min: 100, max: 100_000 }).default(1200),
  }),
  env: {
    anthropicApiKey: 'AI_ANTHROPIC_API_KEY',
    anthropicBaseUrl: 'AI_ANTHROPIC_BASE_URL',
    geminiApiKey: 'AI_GEMINI_API_KEY',
    geminiBaseUrl: 'AI_GEMINI_BASE_URL',
    openaiApiKey: 'AI_OPENAI_API_KEY',
    openaiBaseUrl: 'AI_OPENAI_BASE_URL',
    endpoints: 'AI_ENDPOINTS',
    models: 'AI_MODELS',
    defaultModel: 'AI_DEFAULT_MODEL',
    defaultEmbeddingModel: 'AI_DEFAULT_EMBEDDING_MODEL',
    allowedModels: 'AI_ALLOWED_MODELS',
    maxTokensCap: 'AI_MAX_TOKENS_CAP',
    budgetTokensPerDay: 'AI_BUDGET_TOKENS_PER_DAY',
    budgetUsdPerDay: 'AI_BUDGET_USD_PER_DAY',
    callerBudgets: 'AI_CALLER_BUDGETS',
    retryAttempts: 'AI_RETRY_ATTEMPTS',
    retryBaseDelayMs: 'AI_RETRY_BASE_DELAY_MS',
    retryMaxDelayMs: 'AI_RETRY_MAX_DELAY_MS',
    promptRedaction: 'AI_PROMPT_REDACTION',
    samplingTimeoutMs: 'AI_SAMPLING_TIMEOUT_MS',
    cacheEnabled: 'AI_CACHE_ENABLED',
    cacheUrl: 'AI_CACHE_URL',
    cacheTtlSeconds: 'AI_CACHE_TTL_SECONDS',
    cachePrefix: 'AI_CACHE_PREFIX',
    databaseUrl: 'AI_DATABASE_URL',
    poolSize: 'AI_POOL_SIZE',
    vectorStore: 'AI_VECTOR_STORE',
    qdrantUrl: 'AI_QDRANT_URL',
    qdrantApiKey: 'AI_QDRANT_API_KEY',
    lexicalDimensions: 'AI_LEXICAL_DIMENSIONS',
    embedBatchSize: 'AI_EMBED_BATCH_SIZE',
    maxChunkChars: 'AI_MAX_CHUNK_CHARS',
  },
  finalize: (config, problems) => {
    // The three convenience settings name the default endpoint of each provider; AI_ENDPOINTS adds more (Ollama...).
    const endpoints: Record<string, EndpointConfig> = { ...config.endpoints };
    for (const kind of ['anthropic', 'gemini', 'openai'] as const) {
      const apiKey = config[`${kind}ApiKey`];
      const baseUrl = config[`${kind}BaseUrl`];
      if (apiKey === undefined && baseUrl === undefined) continue;
      endpoints[kind] = {
        ...endpoints[kind],
        kind,
        timeoutMs: endpoints[kind]?.timeoutMs ?? 60_000,
        ...(apiKey !== undefined ? { apiKey } : {}),
        ...(baseUrl !== undefined ? { baseUrl } : {}),
      };
    }
    for (const [name, endpoint] of Object.entries(endpoints)) {
      if (endpoint.kind !== 'openai' && endpoint.apiKey === undefined) {
        problems.push(`endpoints.${name}: a ${endpoint.kind} endpoint needs an apiKey (or a secret:// handle)`);
      }
      if (endpoint.kind === 'openai' && endpoint.apiKey === undefined && endpoint.baseUrl === undefined) {
        problems.push(`endpoints.${name}: an openai endpoint needs an apiKey, a baseUrl (Ollama, vLLM...), or both`);
      }
    }
    // Built-in entries whose provider has a configured endpoint, then the configured models (which win by id).
    const byId = new Map<string, ModelEntry>();
    for (const entry of BUILTIN_MODELS) {
      const endpoint = entry.endpoint ?? entry.provider;
      if (entry.provider === 'sampling' || entry.provider === 'lexical' || endpoints[endpoint]) byId.set(entry.id, entry);
    }
    const lexical = byId.get('lexical-v1');
    if (lexical) byId.set('lexical-v1', { ...lexical, dimensions: config.lexicalDimensions });
    for (const entry of config.models) byId.set(entry.id, entry);
    const models = [...byId.values()];
    for (const model of models) {
      const endpoint = model.endpoint ?? model.provider;
      const needsEndpoint = model.provider !== 'sampling' && model.provider !== 'lexical';
      if (needsEndpoint && !endpoints[endpoint]) {
        problems.push(`models: ${model.id} uses endpoint "${endpoint}", which is not configured`);
      } else if (needsEndpoint && endpoints[endpoint]?.kind !== model.provider) {
        problems.push(
          `models: ${model.id} is a ${model.provider} model on the ${endpoints[endpoint]?.kind} endpoint "${endpoint}"`,
        );
      }
      if (model.kind === 'embedding' && model.dimensions === undefined) {
        problems.push(`models: embedding model ${model.id} needs dimensions`);
      }
      for (const next of model.fallback) {
        if (!byId.has(next)) problems.push(`models: ${model.id} falls back to unknown model "${next}"`);
        else if (byId.get(next)?.kind !== model.kind) problems.push(`models: ${model.id} falls back to ${next}, of another kind`);
      }
    }
    for (const id of config.allowedModels) {
      if (!byId.has(id)) problems.push(`allowedModels (AI_ALLOWED_MODELS): unknown model "${id}"`);
    }
    if (byId.get(config.defaultModel)?.kind !== 'chat') {
      problems.push(`defaultModel (AI_DEFAULT_MODEL): "${config.defaultModel}" is not a configured chat model`);
    }
    if (byId.get(config.defaultEmbeddingModel)?.kind !== 'embedding') {
      problems.push(
        `defaultEmbeddingModel (AI_DEFAULT_EMBEDDING_MODEL): "${config.defaultEmbeddingModel}" is not a configured embedding model`,
      );
    }
    if (config.vectorStore === 'qdrant' && !config.qdrantUrl) {
      problems.push('vectorStore (AI_VECTOR_STORE) is "qdrant" but qdrantUrl (AI_QDRANT_URL) is not set');
    }
    if (config.retryMaxDelayMs < config.retryBaseDelayMs) {
      problems.push('retryMaxDelayMs (AI_RETRY_MAX_DELAY_MS) must be at least retryBaseDelayMs');
    }
    return { ...config, endpoints, models };
  },
});

export type AiConfig = z.infer<typeof aiConfig.schema>;

export { PROVIDER_KINDS };
