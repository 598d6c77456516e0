import { Counter } from '@switchboard/shared';

/**
 * ai-models' own counters. The kit does not yet hand a service its metrics registry (SetupInput has none), so these
 * are kept unregistered and read back by getCacheStats; once the kit passes the registry, `registers` takes it and
 * /metrics shows them.
 */
export interface AiMetrics {
  cacheLookups: Counter<'result'>;
  providerRequests: Counter<'provider' | 'model' | 'outcome'>;
  tokens: Counter<'model' | 'direction'>;
}

export function createAiMetrics(): AiMetrics {
  return {
    cacheLookups: new Counter({
      name: 'ai_cache_lookups_total',
      help: 'Response cache lookups by result (hit, miss)',
      labelNames: ['result'],
      registers: [],
    }),
    providerRequests: new Counter({
      name: 'ai_provider_requests_total',
      help: 'Requests sent to model providers by outcome (ok or the failure kind)',
      labelNames: ['provider', 'model', 'outcome'],
      registers: [],
    }),
    tokens: new Counter({
      name: 'ai_tokens_total',
      help: 'Tokens by model and direction (input, output)',
      labelNames: ['model', 'direction'],
      registers: [],
    }),
  };
}

/** The value of one labelled series of a counter (0 when absent). */
export async function counterValue<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}
