import Anthropic from '@anthropic-ai/sdk';
import type {
  StopReason as AnthropicStop,
  ContentBlock,
  MessageCreateParamsNonStreaming,
} from '@anthropic-ai/sdk/resources/messages';
import { classifyStainlessError } from './sdk-errors.ts';
import type { CallOptions, ChatProvider, ChatRequest, ChatResponse, StopReason } from './types.ts';

export interface AnthropicProviderOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  timeoutMs: number;
}

const STOP: Record<AnthropicStop, StopReason> = {
  end_turn: 'end_turn',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  tool_use: 'tool_use',
  pause_turn: 'other',
  refusal: 'refusal',
  model_context_window_exceeded: 'max_tokens',
} as Record<AnthropicStop, StopReason>;

function params(request: ChatRequest): MessageCreateParamsNonStreaming {
  return {
    model: request.model,
    max_tokens: request.maxTokens,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(request.system ? { system: request.system } : {}),
    // The Messages API of @anthropic-ai/sdk 1.x has no temperature (current Claude models reject values other than
    // 1.0), so it is not sent; at 0 it still makes the answer cacheable here.
    ...(request.stop?.length ? { stop_sequences: request.stop } : {}),
    ...(request.responseSchema ? { output_config: { format: { type: 'json_schema', schema: request.responseSchema } } } : {}),
    ...(request.tools?.length
      ? {
          tools: request.tools.map((t) => ({
            name: t.name,
            ...(t.description ? { description: t.description } : {}),
            input_schema: { type: 'object' as const, ...t.inputSchema },
          })),
        }
      : {}),
  };
}

function responseOf(message: Anthropic.Message): ChatResponse {
  const blocks: ContentBlock[] = message.content;
  return {
    text: blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
    toolCalls: blocks.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, input: b.input }] : [])),
    stopReason: (message.stop_reason && STOP[message.stop_reason]) || 'other',
    inputTokens:
      message.usage.input_tokens +
      (message.usage.cache_read_input_tokens ?? 0) +
      (message.usage.cache_creation_input_tokens ?? 0),
    outputTokens: message.usage.output_tokens,
    usageEstimated: false,
    providerModel: message.model,
    responseId: message.id,
  };
}

/** Anthropic Messages through @anthropic-ai/sdk; the SDK's own retries are off (the fallback chain decides). */
export function createAnthropicProvider(options: AnthropicProviderOptions): ChatProvider {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: 0,
    timeout: options.timeoutMs,
  });
  const fail = (error: unknown, signal: AbortSignal, startedAt = performance.now()) =>
    classifyStainlessError(error, Anthropic, signal, { startedAt, timeoutMs: options.timeoutMs });
  return {
    async generate(request: ChatRequest, call: CallOptions): Promise<ChatResponse> {
      const startedAt = performance.now();
      try {
        if (!call.onText) return responseOf(await client.messages.create(params(request), { signal: call.signal }));
        const stream = client.messages.stream(params(request), { signal: call.signal });
        const onText = call.onText;
        stream.on('text', (delta) => onText(delta));
        return responseOf(await stream.finalMessage());
      } catch (error) {
        throw fail(error, call.signal, startedAt);
      }
    },
    async countTokens(request: ChatRequest, call: CallOptions): Promise<number> {
      const startedAt = performance.now();
      const { max_tokens: _max, stop_sequences: _s, ...rest } = params(request);
      try {
        const counted = await client.messages.countTokens(rest, { signal: call.signal });
        return counted.input_tokens;
      } catch (error) {
        throw fail(error, call.signal, startedAt);
      }
    },
  };
}
