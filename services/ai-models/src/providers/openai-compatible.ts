import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { ProviderError } from './provider-error.ts';
import { classifyStainlessError } from './sdk-errors.ts';
import type {
  CallOptions,
  ChatProvider,
  ChatRequest,
  ChatResponse,
  EmbeddingProvider,
  EmbeddingResult,
  StopReason,
  ToolCall,
} from './types.ts';

export interface OpenAiProviderOptions {
  /** Absent for local servers (Ollama, vLLM, llama.cpp) that take none. */
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
  timeoutMs: number;
}

const STOP: Record<string, StopReason> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

function messages(request: ChatRequest): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (request.system) out.push({ role: 'system', content: request.system });
  for (const m of request.messages) out.push({ role: m.role, content: m.content });
  return out;
}

function params(request: ChatRequest): Omit<ChatCompletionCreateParamsStreaming, 'stream'> {
  return {
    model: request.model,
    messages: messages(request),
    max_completion_tokens: request.maxTokens,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.stop?.length ? { stop: request.stop } : {}),
    ...(request.responseSchema
      ? {
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'response', schema: request.responseSchema, strict: true },
          },
        }
      : {}),
    ...(request.tools?.length
      ? {
          tools: request.tools.map((t) => ({
            type: 'function' as const,
            function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.inputSchema },
          })),
        }
      : {}),
  };
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return { _unparsed: text };
  }
}

function responseOf(completion: OpenAI.Chat.ChatCompletion, estimatedInput: number): ChatResponse {
  const choice = completion.choices[0];
  const toolCalls: ToolCall[] = (choice?.message.tool_calls ?? []).flatMap((call) =>
    call.type === 'function' ? [{ id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) }] : [],
  );
  const text = choice?.message.content ?? '';
  return {
    text,
    toolCalls,
    stopReason: (choice?.finish_reason && STOP[choice.finish_reason]) || 'other',
    inputTokens: completion.usage?.prompt_tokens ?? estimatedInput,
    outputTokens: completion.usage?.completion_tokens ?? Math.ceil(text.length / 4),
    usageEstimated: completion.usage === undefined || completion.usage === null,
    providerModel: completion.model,
    responseId: completion.id,
  };
}

/**
 * Chat completions and embeddings through the `openai` SDK with a base URL: OpenAI itself, or any server speaking its
 * API (Ollama, vLLM, LM Studio, llama.cpp). The SDK's own retries are off (the fallback chain decides).
 */
export function createOpenAiProvider(options: OpenAiProviderOptions): ChatProvider & EmbeddingProvider {
  const client = new OpenAI({
    // Local servers take no key, but the SDK insists on one; it is sent and ignored there.
    apiKey: options.apiKey ?? 'no-key',
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: 0,
    timeout: options.timeoutMs,
  });
  const fail = (error: unknown, signal: AbortSignal, startedAt = performance.now()) =>
    classifyStainlessError(error, OpenAI, signal, { startedAt, timeoutMs: options.timeoutMs });
  return {
    maxBatch: 2048,
    async generate(request: ChatRequest, call: CallOptions): Promise<ChatResponse> {
      const startedAt = performance.now();
      const estimated = Math.ceil(JSON.stringify(request.messages).length / 4);
      try {
        if (!call.onText) {
          return responseOf(
            await client.chat.completions.create({ ...params(request), stream: false }, { signal: call.signal }),
            estimated,
          );
        }
        const stream = client.chat.completions.stream(
          { ...params(request), stream: true, stream_options: { include_usage: true } },
          { signal: call.signal },
        );
        const onText = call.onText;
        stream.on('content', (delta) => onText(delta));
        return responseOf(await stream.finalChatCompletion(), estimated);
      } catch (error) {
        throw fail(error, call.signal, startedAt);
      }
    },
    async embed(model: string, texts: string[], dimensions: number, call: CallOptions): Promise<EmbeddingResult> {
      const startedAt = performance.now();
      try {
        const response = await client.embeddings.create({ model, input: texts }, { signal: call.signal });
        const vectors = [...response.data].sort((a, b) => a.index - b.index).map((d) => Float32Array.from(d.embedding));
        if (vectors.length !== texts.length) {
          throw new ProviderError('server_error', `asked for ${texts.length} embeddings, got ${vectors.length}`);
        }
        const wrong = vectors.find((v) => v.length !== dimensions);
        if (wrong) {
          throw new ProviderError(
            'invalid_request',
            `${model} returned ${wrong.length} dimensions; the registry says ${dimensions}`,
          );
        }
        return { vectors, inputTokens: response.usage?.prompt_tokens ?? 0, usageEstimated: !response.usage };
      } catch (error) {
        throw fail(error, call.signal, startedAt);
      }
    },
  };
}
