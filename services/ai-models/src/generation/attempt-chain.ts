import { setTimeout as sleep } from 'node:timers/promises';
import { ToolError } from '@switchboard/shared';
import type { AiMetrics } from '../metrics.ts';
import { ProviderError, toolErrorOf } from '../providers/provider-error.ts';
import type { ProviderSet } from '../providers/provider-set.ts';
import type { CallOptions, ChatResponse } from '../providers/types.ts';
import type { ModelEntry } from '../registry/model-entry.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { PreparedRequest } from './prepare.ts';

export interface RouteStep {
  model: string;
  provider: string;
  attempt: number;
  outcome: string;
  status?: number;
  retryAfterMs?: number;
  latencyMs: number;
}

export interface RetryPolicy {
  /** Tries per model (the first included) before the next model in the chain. */
  attempts: number;
  baseDelayMs: number;
  /** A Retry-After longer than this moves on to the next model at once. */
  maxDelayMs: number;
}

export interface ChainOptions {
  registry: ModelRegistry;
  providers: ProviderSet;
  metrics: AiMetrics;
  retry: RetryPolicy;
  signal: AbortSignal;
  /** Runs before each model is first tried (the budget check); throws to stop the chain. */
  beforeModel(model: ModelEntry): Promise<{ release(): void }>;
  onText?: ((delta: string) => void) | undefined;
  /** Told when the chain moves to another model. */
  onSwitch?(from: ModelEntry, to: ModelEntry, why: string): void;
  call: Omit<CallOptions, 'signal' | 'onText'>;
}

export interface ChainResult {
  model: ModelEntry;
  response: ChatResponse;
  route: RouteStep[];
  latencyMs: number;
  /** The answering model's budget reservation: release it once the call is in the ledger. */
  reservation: { release(): void };
}

function backoff(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(policy.maxDelayMs, exponential * (0.5 + Math.random() / 2));
}

/**
 * Tries the model, retrying a retryable failure (429, 5xx, 529 overloaded, timeouts, connection errors) with
 * backoff that honours Retry-After, then each fallback model in order. Every attempt is recorded in the route. A
 * failure no retry can fix (bad request, auth) ends the chain at once.
 */
export async function runChain(prepared: PreparedRequest, options: ChainOptions): Promise<ChainResult> {
  const route: RouteStep[] = [];
  const chain = options.registry.chain(prepared.model).filter((m) => options.registry.isAllowed(m.id));
  let last: { error: ProviderError; model: ModelEntry } | undefined;
  for (const [index, model] of chain.entries()) {
    const next = chain[index + 1];
    const reservation = await options.beforeModel(model);
    let answered = false;
    try {
      const provider = await options.providers.chat(model);
      for (let attempt = 1; attempt <= options.retry.attempts; attempt++) {
        const started = performance.now();
        try {
          const response = await provider.generate(
            { ...prepared.request, model: model.name ?? model.id },
            { ...options.call, signal: options.signal, onText: options.onText },
          );
          const latencyMs = Math.round(performance.now() - started);
          route.push({ model: model.id, provider: model.provider, attempt, outcome: 'ok', latencyMs });
          options.metrics.providerRequests.inc({ provider: model.provider, model: model.id, outcome: 'ok' });
          answered = true;
          return { model, response, route, latencyMs, reservation };
        } catch (error) {
          if (!(error instanceof ProviderError)) throw error;
          const latencyMs = Math.round(performance.now() - started);
          options.metrics.providerRequests.inc({ provider: model.provider, model: model.id, outcome: error.kind });
          route.push({
            model: model.id,
            provider: model.provider,
            attempt,
            outcome: error.kind,
            ...(error.status !== undefined ? { status: error.status } : {}),
            ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
            latencyMs,
          });
          if (error.kind === 'cancelled') throw new ToolError('CANCELLED', 'the call was cancelled');
          if (!error.retryable) throw toolErrorOf(error, model.id, { route });
          last = { error, model };
          const delay = backoff(options.retry, attempt, error.retryAfterMs);
          if (attempt === options.retry.attempts || delay > options.retry.maxDelayMs) break;
          await sleep(delay, undefined, { signal: options.signal }).catch(() => {
            throw new ToolError('CANCELLED', 'the call was cancelled');
          });
        }
      }
    } finally {
      if (!answered) reservation.release();
    }
    if (next && last) options.onSwitch?.(model, next, last.error.kind);
  }
  if (!last) throw new ToolError('PERMISSION_DENIED', `no model in ${prepared.model.id}'s chain is on the allowlist`);
  throw toolErrorOf(last.error, last.model.id, { route, exhausted: chain.map((m) => m.id) });
}
