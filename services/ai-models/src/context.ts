import type { RequestContext, ToolContext } from '@switchboard/shared';
import type { AiConfig } from './config.ts';
import type { BudgetGuard } from './generation/budget.ts';
import type { AiMetrics } from './metrics.ts';
import type { ProviderSet } from './providers/provider-set.ts';
import type { ModelRegistry } from './registry/model-registry.ts';
import type { ResponseCache } from './storage/response-cache.ts';
import type { UsageLedger } from './storage/usage-ledger.ts';
import type { VectorStore } from './vectors/vector-store.ts';

export interface AiClients {
  registry: ModelRegistry;
  providers: ProviderSet;
  budgets: BudgetGuard;
  metrics: AiMetrics;
  /** Each opens (and migrates) on first use; throws DEPENDENCY_UNAVAILABLE while its backend is unreachable. */
  ledger(): Promise<UsageLedger>;
  cache(): Promise<ResponseCache>;
  vectors(): Promise<VectorStore>;
}

export type AiToolContext = ToolContext<AiConfig, AiClients>;
export type AiRequestContext = RequestContext<AiConfig, AiClients>;
