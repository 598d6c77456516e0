import { ToolError } from '@switchboard/shared';
import type { Capability, ModelEntry } from './model-entry.ts';

/** The configured models, the allowlist over them, and what a call costs. */
export class ModelRegistry {
  readonly #models: Map<string, ModelEntry>;
  readonly #allowed: Set<string> | undefined;

  constructor(models: readonly ModelEntry[], allowed: readonly string[]) {
    this.#models = new Map(models.map((m) => [m.id, m]));
    this.#allowed = allowed.length > 0 ? new Set(allowed) : undefined;
  }

  all(): ModelEntry[] {
    return [...this.#models.values()];
  }

  isAllowed(id: string): boolean {
    return this.#allowed === undefined || this.#allowed.has(id);
  }

  /** The model by id, refused when unknown, not allowed, or of the wrong kind. */
  require(id: string, kind: ModelEntry['kind']): ModelEntry {
    const model = this.#models.get(id);
    if (!model) {
      const known = this.all()
        .filter((m) => m.kind === kind && this.isAllowed(m.id))
        .map((m) => m.id);
      throw new ToolError('NOT_FOUND', `unknown model "${id}"; ${kind} models here: ${known.join(', ') || 'none'}`);
    }
    if (!this.isAllowed(id)) throw new ToolError('PERMISSION_DENIED', `model "${id}" is not on this deployment's allowlist`);
    if (model.kind !== kind)
      throw new ToolError('INVALID_ARGUMENT', `model "${id}" is an ${model.kind} model, not a ${kind} model`);
    return model;
  }

  requireCapability(model: ModelEntry, capability: Capability, what: string): void {
    if (!model.capabilities.includes(capability)) {
      throw new ToolError('UNSUPPORTED', `model "${model.id}" (${model.provider}) does not support ${what}`);
    }
  }

  /** The chain tried for a call: the model, then its fallbacks (each once, in order). */
  chain(model: ModelEntry): ModelEntry[] {
    const out = [model];
    const seen = new Set([model.id]);
    for (const id of model.fallback) {
      const next = this.#models.get(id);
      if (next && !seen.has(id)) {
        seen.add(id);
        out.push(next);
      }
    }
    return out;
  }
}

/** USD for the tokens at the model's prices, rounded to a millionth of a dollar. */
export function costOf(model: ModelEntry, inputTokens: number, outputTokens: number): number {
  const usd = (inputTokens * model.pricing.inputPerMTok + outputTokens * model.pricing.outputPerMTok) / 1_000_000;
  return Math.round(usd * 1e6) / 1e6;
}
