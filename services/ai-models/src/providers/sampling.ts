import { ProviderError } from './provider-error.ts';
import {
  type CallOptions,
  type ChatProvider,
  type ChatRequest,
  type ChatResponse,
  estimateRequestTokens,
  estimateTokens,
  type StopReason,
} from './types.ts';

export interface SamplingProviderOptions {
  timeoutMs: number;
}

const STOP: Record<string, StopReason> = {
  endTurn: 'end_turn',
  maxTokens: 'max_tokens',
  stopSequence: 'stop_sequence',
  toolUse: 'tool_use',
};

/** JSON-RPC error codes the MCP SDK uses: a request timeout, and a client that says no. */
const REQUEST_TIMEOUT = -32001;

function textOf(content: unknown): string {
  const blocks = Array.isArray(content) ? content : [content];
  return blocks
    .map((b) =>
      b && typeof b === 'object' && (b as { type?: unknown }).type === 'text' ? String((b as { text?: unknown }).text ?? '') : '',
    )
    .join('');
}

/**
 * The `sampling` provider: asks the connected MCP client's own model through sampling/createMessage (relayed by the
 * orchestrator to the end client). The client picks the model (the registry name is sent as a hint) and may show the
 * request to its human first. It reports no token counts, so usage is estimated and the cost is zero.
 */
export function createSamplingProvider(options: SamplingProviderOptions): ChatProvider {
  return {
    async generate(request: ChatRequest, call: CallOptions): Promise<ChatResponse> {
      if (!call.sampling) {
        throw new ProviderError(
          'unsupported',
          `the "sampling" provider cannot ask the client's model: ${call.samplingUnavailable ?? 'no sampling channel'}; connect with a client that supports sampling/createMessage or choose a provider model (listModels)`,
        );
      }
      if (request.responseSchema) throw new ProviderError('unsupported', 'sampling has no structured output (responseSchema)');
      if (request.tools?.length) throw new ProviderError('unsupported', 'this service does not offer tools to a sampled model');
      let result: Awaited<ReturnType<NonNullable<CallOptions['sampling']>['createMessage']>>;
      try {
        result = await call.sampling.createMessage(
          {
            messages: request.messages.map((m) => ({ role: m.role, content: { type: 'text', text: m.content } })),
            ...(request.system ? { systemPrompt: request.system } : {}),
            maxTokens: request.maxTokens,
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
            ...(request.stop?.length ? { stopSequences: request.stop } : {}),
            ...(request.model !== 'client' ? { modelPreferences: { hints: [{ name: request.model }] } } : {}),
            includeContext: 'none',
          },
          call.signal,
          options.timeoutMs,
        );
      } catch (error) {
        if (call.signal.aborted) throw new ProviderError('cancelled', 'the call was cancelled', { cause: error });
        const code = (error as { code?: unknown })?.code;
        const message = (error as Error)?.message ?? String(error);
        if (code === REQUEST_TIMEOUT)
          throw new ProviderError('timeout', `the client's model did not answer: ${message}`, { cause: error });
        throw new ProviderError('declined', `the client did not sample: ${message}`, { cause: error });
      }
      const text = textOf(result.content);
      return {
        text,
        toolCalls: [],
        stopReason: (result.stopReason && STOP[result.stopReason]) || (result.stopReason ? 'other' : 'end_turn'),
        inputTokens: estimateRequestTokens(request),
        outputTokens: estimateTokens(text),
        usageEstimated: true,
        providerModel: result.model,
      };
    },
  };
}
