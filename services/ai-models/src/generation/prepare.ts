import { REDACTED, type Redactor, ToolError, type z } from '@switchboard/shared';
import type { AiConfig } from '../config.ts';
import { type ChatMessage, type ChatRequest, estimateRequestTokens } from '../providers/types.ts';
import type { ModelEntry } from '../registry/model-entry.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { generationShape } from '../tools/shared-schemas.ts';

export type GenerationArgs = z.output<z.ZodObject<typeof generationShape>>;

export interface PreparedRequest {
  model: ModelEntry;
  /** The request with the prompt redacted; `model` is filled per attempt with the provider's model name. */
  request: Omit<ChatRequest, 'model'>;
  redactions: number;
  estimatedInputTokens: number;
  cacheable: boolean;
}

function countRedactions(before: string, after: string): number {
  if (before === after) return 0;
  const marks = (text: string) => text.split(REDACTED).length - 1;
  return Math.max(1, marks(after) - marks(before));
}

/**
 * Everything checked before a request may leave: the model is known and allowed and can do what is asked, the
 * output cap holds, the prompt fits the context window, and secrets are redacted (or the call refused).
 */
export function prepareRequest(
  args: GenerationArgs,
  modelId: string,
  config: Readonly<AiConfig>,
  registry: ModelRegistry,
  redactor: Redactor,
): PreparedRequest {
  const model = registry.require(modelId, 'chat');
  if (args.responseSchema) registry.requireCapability(model, 'json_schema', 'structured output (responseSchema)');
  if (args.tools?.length) registry.requireCapability(model, 'tools', 'tools');
  if (args.prompt === undefined && args.messages === undefined) {
    throw new ToolError('INVALID_ARGUMENT', 'give a prompt or messages');
  }
  if (args.prompt !== undefined && args.messages !== undefined) {
    throw new ToolError('INVALID_ARGUMENT', 'give a prompt or messages, not both');
  }
  const modelMax = model.maxOutputTokens ?? Number.POSITIVE_INFINITY;
  const cap = Math.min(config.maxTokensCap, modelMax);
  if (args.maxTokens !== undefined && args.maxTokens > config.maxTokensCap) {
    throw new ToolError(
      'INVALID_ARGUMENT',
      `maxTokens ${args.maxTokens} is over this deployment's cap of ${config.maxTokensCap} per call`,
    );
  }
  if (args.maxTokens !== undefined && args.maxTokens > modelMax) {
    throw new ToolError('INVALID_ARGUMENT', `maxTokens ${args.maxTokens} is over ${model.id}'s output limit of ${modelMax}`);
  }
  const maxTokens = args.maxTokens ?? cap;

  let redactions = 0;
  const clean = (text: string) => {
    const out = redactor.redactString(text);
    redactions += countRedactions(text, out);
    return out;
  };
  const messages: ChatMessage[] = (args.messages ?? [{ role: 'user' as const, content: args.prompt ?? '' }]).map((m) => ({
    role: m.role,
    content: clean(m.content),
  }));
  const system = args.system === undefined ? undefined : clean(args.system);
  if (redactions > 0 && config.promptRedaction === 'refuse') {
    throw new ToolError(
      'POLICY_VIOLATION',
      `the prompt holds ${redactions} secret or credential value(s); this deployment refuses such prompts (promptRedaction=refuse) instead of redacting them`,
      { details: { redactions } },
    );
  }
  const request: Omit<ChatRequest, 'model'> = {
    messages,
    maxTokens,
    ...(system !== undefined ? { system } : {}),
    ...(args.temperature !== undefined ? { temperature: args.temperature } : {}),
    ...(args.stop ? { stop: args.stop } : {}),
    ...(args.responseSchema ? { responseSchema: args.responseSchema } : {}),
    ...(args.tools ? { tools: args.tools } : {}),
  };
  const estimatedInputTokens = estimateRequestTokens({ ...request, model: '' });
  if (estimatedInputTokens + maxTokens > model.contextWindow) {
    throw new ToolError(
      'INVALID_ARGUMENT',
      `the prompt (about ${estimatedInputTokens} tokens) plus maxTokens ${maxTokens} exceeds ${model.id}'s context window of ${model.contextWindow}`,
    );
  }
  // The client's model may change between calls and its human may be asked each time: cache it only on request.
  const automatic = args.temperature === 0 && model.provider !== 'sampling';
  const cacheable = config.cacheEnabled && args.cache !== false && (args.cache === true || automatic);
  return { model, request, redactions, estimatedInputTokens, cacheable };
}
