import { Counter, type Registry } from '@switchboard/shared';

/**
 * ai-models' own counters, on the process's registry (SetupInput.metrics): the service's /metrics shows them, and
 * getCacheStats reads the cache counter back. Named `switchboard_ai_*` like every Switchboard service's own series.
 */
export interface AiMetrics {
  cacheLookups: Counter<'result'>;
  providerRequests: Counter<'provider' | 'model' | 'outcome'>;
  tokens: Counter<'model' | 'direction'>;
}

export function createAiMetrics(registry: Registry): AiMetrics {
  return {
    cacheLookups: new Counter({
      name: 'switchboard_ai_cache_lookups_total',
      help: 'Response cache lookups by result (hit, miss)',
      labelNames: ['result'],
      registers: [registry],
    }),
    providerRequests: new Counter({
      name: 'switchboard_ai_provider_requests_total',
      help: 'Requests sent to model providers by outcome (ok or the failure kind)',
      labelNames: ['provider', 'model', 'outcome'],
      registers: [registry],
    }),
    tokens: new Counter({
      name: 'switchboard_ai_tokens_total',
      help: 'Tokens by model and direction (input, output)',
      labelNames: ['model', 'direction'],
      registers: [registry],
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
