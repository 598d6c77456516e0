import { defineService } from '@switchboard/shared';
import { aiConfig } from './config.ts';
import type { AiClients } from './context.ts';
import { BudgetGuard } from './generation/budget.ts';
import { createAiMetrics } from './metrics.ts';
import { ProviderSet } from './providers/provider-set.ts';
import { ModelRegistry } from './registry/model-registry.ts';
import { openStorage } from './storage/open-storage.ts';
import { clearCache } from './tools/clear-cache.ts';
import { compareModels } from './tools/compare-models.ts';
import { countTokens } from './tools/count-tokens.ts';
import { createCollection } from './tools/create-collection.ts';
import { deleteCollection } from './tools/delete-collection.ts';
import { deleteDocuments } from './tools/delete-documents.ts';
import { embed } from './tools/embed.ts';
import { generate } from './tools/generate.ts';
import { getCacheStats } from './tools/get-cache-stats.ts';
import { getUsage } from './tools/get-usage.ts';
import { hybridSearch } from './tools/hybrid-search.ts';
import { listCollections } from './tools/list-collections.ts';
import { listModels } from './tools/list-models.ts';
import { searchSimilar } from './tools/search-similar.ts';
import { upsertDocuments } from './tools/upsert-documents.ts';

export const aiModelsService = defineService({
  name: 'ai-models',
  version: '0.1.0',
  title: 'Switchboard AI models',
  instructions:
    'Language models (Anthropic, Gemini, OpenAI-compatible, or your own model through sampling) with usage and cost in every result, a response cache, per-caller budgets, embeddings and vector search. Start with listModels; generate answers a prompt; searchSimilar and hybridSearch query collections filled by upsertDocuments.',
  defaultPort: 8016,
  config: aiConfig,
  setup: async ({ config, log, redactor, metrics, secrets }) => {
    const storage = await openStorage(config, log, redactor);
    const registry = new ModelRegistry(config.models, config.allowedModels);
    const clients: AiClients = {
      registry,
      providers: new ProviderSet({
        endpoints: config.endpoints,
        samplingTimeoutMs: config.samplingTimeoutMs,
        redactor,
        // secret:// API keys are resolved through the secrets service (SWITCHBOARD_SECRETS_URL) on first use.
        resolveSecret: async (handle) => (await secrets.resolve(handle, { purpose: 'provider-api-key' })).value,
      }),
      budgets: new BudgetGuard(storage.ledger, (caller) => ({
        ...(config.budgetTokensPerDay !== undefined ? { tokensPerDay: config.budgetTokensPerDay } : {}),
        ...(config.budgetUsdPerDay !== undefined ? { usdPerDay: config.budgetUsdPerDay } : {}),
        ...config.callerBudgets[caller],
      })),
      metrics: createAiMetrics(metrics),
      ledger: storage.ledger,
      cache: storage.cache,
      vectors: storage.vectors,
    };
    return {
      clients,
      // The kit keeps its idempotency records (ctx.idempotent) in the same database.
      db: storage.db,
      ready: {
        database: async () => {
          await storage.db.ping();
          await storage.ledger();
        },
        cache: async () => (await storage.cache()).ping(),
        vectors: async () => (await storage.vectors()).ping(),
      },
      close: () => storage.close(),
    };
  },
  tools: [
    listModels,
    generate,
    compareModels,
    countTokens,
    getUsage,
    getCacheStats,
    clearCache,
    embed,
    createCollection,
    listCollections,
    deleteCollection,
    upsertDocuments,
    deleteDocuments,
    searchSimilar,
    hybridSearch,
  ],
});
