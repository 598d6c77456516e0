import type { z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { estimateTokens } from '../providers/types.ts';
import { costOf } from '../registry/model-registry.ts';
import { type CachedAnswer, cacheKey } from '../storage/response-cache.ts';
import type { answerShape } from '../tools/shared-schemas.ts';
import { runChain } from './attempt-chain.ts';
import { type GenerationArgs, prepareRequest } from './prepare.ts';
import { samplingOf } from './sampling-channel.ts';

export type GenerationResult = z.input<z.ZodObject<typeof answerShape>>;

export interface GenerationOptions {
  tool: string;
  /** Report text deltas as progress notifications (when the client gave a progress token). */
  stream: boolean;
}

function parseJson(text: string): { json?: unknown; jsonError?: string } {
  try {
    return { json: JSON.parse(text) };
  } catch (error) {
    return { jsonError: `the answer is not valid JSON: ${(error as Error).message}` };
  }
}

/**
 * One generation, end to end: checks (model, allowlist, caps, redaction), the cache, the budget before anything is
 * sent, the provider chain with retries and fallbacks, then the ledger and the cache. Every result carries usage.
 */
export async function runGeneration(
  args: GenerationArgs,
  modelId: string,
  ctx: AiToolContext,
  options: GenerationOptions,
): Promise<GenerationResult> {
  const { config, clients } = ctx;
  const started = performance.now();
  const prepared = prepareRequest(args, modelId, config, clients.registry, ctx.redactor);
  const key = (entry: typeof prepared.model) =>
    cacheKey({
      provider: entry.provider,
      endpoint: clients.providers.baseUrlOf(entry),
      model: entry.name ?? entry.id,
      request: prepared.request,
    });
  const ledger = await clients.ledger();
  const record = (answer: {
    model: string;
    provider: string;
    inputTokens: number;
    outputTokens: number;
    costUsd: number;
    cacheHit: boolean;
    estimated: boolean;
    latencyMs: number;
  }) => ledger.record({ ...answer, caller: ctx.caller.id, tool: options.tool, correlationId: ctx.correlationId, at: new Date() });

  if (prepared.cacheable) {
    const cache = await clients.cache();
    const hit = await cache.get(key(prepared.model));
    clients.metrics.cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
    if (hit) {
      const latencyMs = Math.round(performance.now() - started);
      await record({
        model: hit.model,
        provider: hit.provider,
        inputTokens: hit.inputTokens,
        outputTokens: hit.outputTokens,
        costUsd: 0,
        cacheHit: true,
        estimated: false,
        latencyMs,
      });
      return {
        text: hit.text,
        ...(hit.json !== undefined ? { json: hit.json } : {}),
        toolCalls: hit.toolCalls,
        stopReason: hit.stopReason,
        model: hit.model,
        usage: {
          provider: hit.provider,
          model: hit.model,
          providerModel: hit.providerModel,
          inputTokens: hit.inputTokens,
          outputTokens: hit.outputTokens,
          totalTokens: hit.inputTokens + hit.outputTokens,
          costUsd: 0,
          latencyMs,
          cacheHit: true,
          estimated: false,
        },
        route: [],
        fallbackUsed: false,
        redactions: prepared.redactions,
      };
    }
  }

  // Streaming: each text delta becomes a progress notification; they are sent in order, and awaited before returning.
  let streamed = '';
  let notifications: Promise<void> = Promise.resolve();
  const progress = (message: string) => {
    const sent = estimateTokens(streamed);
    notifications = notifications.then(() => ctx.progress(sent, prepared.request.maxTokens, message)).catch(() => {});
  };
  const wantsStream = options.stream && ctx.meta.progressToken !== undefined;
  const chain = await runChain(prepared, {
    registry: clients.registry,
    providers: clients.providers,
    metrics: clients.metrics,
    retry: { attempts: config.retryAttempts, baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs },
    signal: ctx.signal,
    beforeModel: (model) =>
      clients.budgets.reserve({
        caller: ctx.caller.id,
        model: model.id,
        tokens: prepared.estimatedInputTokens + prepared.request.maxTokens,
        usd: costOf(model, prepared.estimatedInputTokens, prepared.request.maxTokens),
      }),
    onText: wantsStream
      ? (delta) => {
          streamed += delta;
          progress(delta);
        }
      : undefined,
    onSwitch: (from, to, why) => {
      if (wantsStream) progress(`[${from.id} failed (${why}); falling back to ${to.id}]`);
    },
    call: samplingOf(ctx),
  });
  try {
    await notifications;
    const { model, response } = chain;
    const costUsd = costOf(model, response.inputTokens, response.outputTokens);
    const latencyMs = Math.round(performance.now() - started);
    await record({
      model: model.id,
      provider: model.provider,
      inputTokens: response.inputTokens,
      outputTokens: response.outputTokens,
      costUsd,
      cacheHit: false,
      estimated: response.usageEstimated,
      latencyMs,
    });
    clients.metrics.tokens.inc({ model: model.id, direction: 'input' }, response.inputTokens);
    clients.metrics.tokens.inc({ model: model.id, direction: 'output' }, response.outputTokens);
    const parsed = prepared.request.responseSchema ? parseJson(response.text) : {};
    if (prepared.cacheable && response.stopReason !== 'max_tokens') {
      const answer: CachedAnswer = {
        text: response.text,
        ...(parsed.json !== undefined ? { json: parsed.json } : {}),
        toolCalls: response.toolCalls,
        stopReason: response.stopReason,
        providerModel: response.providerModel,
        model: model.id,
        provider: model.provider,
        inputTokens: response.inputTokens,
        outputTokens: response.outputTokens,
        cachedAt: new Date().toISOString(),
      };
      await (await clients.cache()).set(key(model), answer, config.cacheTtlSeconds);
    }
    return {
      text: response.text,
      ...parsed,
      toolCalls: response.toolCalls,
      stopReason: response.stopReason,
      model: model.id,
      usage: {
        provider: model.provider,
        model: model.id,
        providerModel: response.providerModel,
        inputTokens: response.inputTokens,
        outputTokens: response.outputTokens,
        totalTokens: response.inputTokens + response.outputTokens,
        costUsd,
        latencyMs,
        cacheHit: false,
        estimated: response.usageEstimated,
      },
      route: chain.route,
      fallbackUsed: model.id !== prepared.model.id,
      redactions: prepared.redactions,
    };
  } finally {
    chain.reservation.release();
  }
}
