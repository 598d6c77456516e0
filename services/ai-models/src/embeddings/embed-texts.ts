import { REDACTED, ToolError } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { ProviderError, toolErrorOf } from '../providers/provider-error.ts';
import { estimateTokens } from '../providers/types.ts';
import type { ModelEntry } from '../registry/model-entry.ts';
import { costOf } from '../registry/model-registry.ts';

export interface EmbedOutcome {
  model: ModelEntry;
  vectors: Float32Array[];
  usage: {
    provider: string;
    model: string;
    inputTokens: number;
    costUsd: number;
    latencyMs: number;
    estimated: boolean;
    batches: number;
  };
}

/**
 * Embeds texts with a registry model, in batches the provider accepts. Texts for a remote provider go through the
 * redactor first (or are refused, as for prompts); the lexical embedder runs here and sends nothing anywhere. Every
 * remote batch is checked against the caller's budget first and recorded in the ledger.
 */
export async function embedTexts(texts: string[], model: ModelEntry, ctx: AiToolContext, tool: string): Promise<EmbedOutcome> {
  const { clients, config } = ctx;
  const started = performance.now();
  const dimensions = model.dimensions as number;
  const embedder = await clients.providers.embedder(model);
  const local = model.provider === 'lexical';
  let redactions = 0;
  const outgoing = local
    ? texts
    : texts.map((t) => {
        const clean = ctx.redactor.redactString(t);
        if (clean !== t) redactions += Math.max(1, clean.split(REDACTED).length - t.split(REDACTED).length);
        return clean;
      });
  if (redactions > 0 && config.promptRedaction === 'refuse') {
    throw new ToolError(
      'POLICY_VIOLATION',
      `the texts hold ${redactions} secret or credential value(s); refused (promptRedaction=refuse)`,
    );
  }
  const size = Math.max(1, Math.min(embedder.maxBatch, config.embedBatchSize));
  const vectors: Float32Array[] = [];
  let inputTokens = 0;
  let estimated = false;
  let batches = 0;
  for (let i = 0; i < outgoing.length; i += size) {
    const batch = outgoing.slice(i, i + size);
    const worst = batch.reduce((n, t) => n + estimateTokens(t), 0);
    const reservation = local
      ? { release: () => {} }
      : await clients.budgets.reserve({ caller: ctx.caller.id, model: model.id, tokens: worst, usd: costOf(model, worst, 0) });
    try {
      const result = await embedder.embed(model.name ?? model.id, batch, dimensions, { signal: ctx.signal }).catch((error) => {
        if (error instanceof ProviderError) throw toolErrorOf(error, model.id, { batch: batches });
        throw error;
      });
      vectors.push(...result.vectors);
      inputTokens += result.inputTokens;
      estimated ||= result.usageEstimated;
      batches++;
      if (!local) {
        await (await clients.ledger()).record({
          caller: ctx.caller.id,
          model: model.id,
          provider: model.provider,
          tool,
          inputTokens: result.inputTokens,
          outputTokens: 0,
          costUsd: costOf(model, result.inputTokens, 0),
          cacheHit: false,
          estimated: result.usageEstimated,
          latencyMs: 0,
          correlationId: ctx.correlationId,
          at: new Date(),
        });
      }
    } finally {
      reservation.release();
    }
    if (outgoing.length > size)
      await ctx.progress(
        Math.min(i + size, outgoing.length),
        outgoing.length,
        `embedded ${Math.min(i + size, outgoing.length)} of ${outgoing.length}`,
      );
  }
  return {
    model,
    vectors,
    usage: {
      provider: model.provider,
      model: model.id,
      inputTokens,
      costUsd: costOf(model, inputTokens, 0),
      latencyMs: Math.round(performance.now() - started),
      estimated,
      batches,
    },
  };
}
