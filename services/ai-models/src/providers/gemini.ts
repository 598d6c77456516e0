import { ApiError, type Content, type GenerateContentConfig, type GenerateContentResponse, GoogleGenAI } from '@google/genai';
import { type FailureKind, kindOfStatus, ProviderError } from './provider-error.ts';
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

export interface GeminiProviderOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  timeoutMs: number;
}

const STOP: Record<string, StopReason> = {
  STOP: 'end_turn',
  MAX_TOKENS: 'max_tokens',
  SAFETY: 'refusal',
  RECITATION: 'refusal',
  PROHIBITED_CONTENT: 'refusal',
  BLOCKLIST: 'refusal',
};

const STATUS_KIND: Record<string, FailureKind> = {
  RESOURCE_EXHAUSTED: 'rate_limited',
  UNAVAILABLE: 'overloaded',
  DEADLINE_EXCEEDED: 'timeout',
  INTERNAL: 'server_error',
  UNAUTHENTICATED: 'auth',
  PERMISSION_DENIED: 'auth',
  NOT_FOUND: 'not_found',
};

/** Google's error body: `{ error: { code, message, status, details: [{ '@type': ...RetryInfo, retryDelay: '30s' }] } }`. */
interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: { '@type'?: string; retryDelay?: string }[] };
}

function googleError(error: ApiError): ProviderError {
  // The SDK puts the JSON body in the message, after "got status: X. " for errors inside a stream.
  const json = error.message.slice(Math.max(0, error.message.indexOf('{')));
  let body: GoogleErrorBody = {};
  try {
    body = JSON.parse(json) as GoogleErrorBody;
  } catch {}
  const status = body.error?.status;
  const retry = body.error?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const retrySeconds = retry ? Number.parseFloat(retry) : Number.NaN;
  return new ProviderError((status && STATUS_KIND[status]) || kindOfStatus(error.status), body.error?.message ?? error.message, {
    status: error.status,
    providerType: status,
    retryAfterMs: Number.isFinite(retrySeconds) ? Math.round(retrySeconds * 1000) : undefined,
    cause: error,
  });
}

function classify(error: unknown, signal: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal.aborted) return new ProviderError('cancelled', 'the call was cancelled', { cause: error });
  if (error instanceof ApiError) return googleError(error);
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return new ProviderError('timeout', 'the request timed out', { cause: error });
  if (error instanceof Error && /sending request|fetch failed|ECONNREFUSED/i.test(`${error.message} ${String(error.cause)}`)) {
    return new ProviderError('connection', `cannot connect: ${error.message}`, { cause: error });
  }
  throw error;
}

function contents(request: ChatRequest): Content[] {
  return request.messages.map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] }));
}

function config(request: ChatRequest, signal: AbortSignal): GenerateContentConfig {
  return {
    abortSignal: signal,
    maxOutputTokens: request.maxTokens,
    ...(request.system ? { systemInstruction: request.system } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.stop?.length ? { stopSequences: request.stop } : {}),
    ...(request.responseSchema ? { responseMimeType: 'application/json', responseJsonSchema: request.responseSchema } : {}),
    ...(request.tools?.length
      ? {
          tools: [
            {
              functionDeclarations: request.tools.map((t) => ({
                name: t.name,
                ...(t.description ? { description: t.description } : {}),
                parametersJsonSchema: t.inputSchema,
              })),
            },
          ],
        }
      : {}),
  };
}

function responseOf(chunks: GenerateContentResponse[], requested: string): ChatResponse {
  let text = '';
  const toolCalls: ToolCall[] = [];
  let finish: string | undefined;
  for (const chunk of chunks) {
    const candidate = chunk.candidates?.[0];
    for (const part of candidate?.content?.parts ?? []) {
      if (part.text && !part.thought) text += part.text;
      if (part.functionCall?.name) {
        toolCalls.push({
          id: part.functionCall.id ?? `call_${toolCalls.length}`,
          name: part.functionCall.name,
          input: part.functionCall.args ?? {},
        });
      }
    }
    if (candidate?.finishReason) finish = candidate.finishReason;
  }
  // Usage is cumulative in a stream: the last chunk that carries it holds the totals.
  const usage = chunks.findLast((c) => c.usageMetadata)?.usageMetadata;
  const last = chunks.at(-1);
  return {
    text,
    toolCalls,
    stopReason: toolCalls.length > 0 ? 'tool_use' : (finish && STOP[finish]) || 'other',
    inputTokens: usage?.promptTokenCount ?? 0,
    outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
    usageEstimated: usage === undefined,
    providerModel: last?.modelVersion ?? requested,
    responseId: last?.responseId,
  };
}

/** Gemini through @google/genai (the Gemini API, API key auth); the SDK's retries are off by default. */
export function createGeminiProvider(options: GeminiProviderOptions): ChatProvider & EmbeddingProvider {
  const ai = new GoogleGenAI({
    apiKey: options.apiKey,
    apiVersion: 'v1beta',
    httpOptions: { timeout: options.timeoutMs, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) },
  });
  return {
    maxBatch: 100,
    async generate(request: ChatRequest, call: CallOptions): Promise<ChatResponse> {
      try {
        const params = { model: request.model, contents: contents(request), config: config(request, call.signal) };
        if (!call.onText) return responseOf([await ai.models.generateContent(params)], request.model);
        const chunks: GenerateContentResponse[] = [];
        for await (const chunk of await ai.models.generateContentStream(params)) {
          chunks.push(chunk);
          const delta = (chunk.candidates?.[0]?.content?.parts ?? []).map((p) => (p.thought ? '' : (p.text ?? ''))).join('');
          if (delta) call.onText(delta);
        }
        return responseOf(chunks, request.model);
      } catch (error) {
        throw classify(error, call.signal);
      }
    },
    async countTokens(request: ChatRequest, call: CallOptions): Promise<number> {
      try {
        const all: Content[] = request.system
          ? [{ role: 'user', parts: [{ text: request.system }] }, ...contents(request)]
          : contents(request);
        const counted = await ai.models.countTokens({
          model: request.model,
          contents: all,
          config: { abortSignal: call.signal },
        });
        return counted.totalTokens ?? 0;
      } catch (error) {
        throw classify(error, call.signal);
      }
    },
    async embed(model: string, texts: string[], dimensions: number, call: CallOptions): Promise<EmbeddingResult> {
      try {
        const response = await ai.models.embedContent({
          model,
          contents: texts,
          config: { outputDimensionality: dimensions, abortSignal: call.signal },
        });
        const vectors = (response.embeddings ?? []).map((e) => Float32Array.from(e.values ?? []));
        if (vectors.length !== texts.length) {
          throw new ProviderError('server_error', `asked for ${texts.length} embeddings, got ${vectors.length}`);
        }
        const wrong = vectors.find((v) => v.length !== dimensions);
        if (wrong)
          throw new ProviderError(
            'invalid_request',
            `${model} returned ${wrong.length} dimensions; the registry says ${dimensions}`,
          );
        // The Gemini API reports no token usage for embeddings: estimated at four characters a token.
        return { vectors, inputTokens: texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0), usageEstimated: true };
      } catch (error) {
        throw classify(error, call.signal);
      }
    },
  };
}
