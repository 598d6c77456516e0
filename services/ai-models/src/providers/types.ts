/** What every chat provider receives: one normalised request, whatever the wire format. */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ToolSpec {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
}

export interface ChatRequest {
  /** The provider's model name. */
  model: string;
  system?: string | undefined;
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number | undefined;
  stop?: string[] | undefined;
  /** JSON Schema the answer must follow (structured output). */
  responseSchema?: Record<string, unknown> | undefined;
  tools?: ToolSpec[] | undefined;
}

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal' | 'other';

export interface ChatResponse {
  text: string;
  toolCalls: ToolCall[];
  stopReason: StopReason;
  inputTokens: number;
  outputTokens: number;
  /** True when the provider reported no token counts and they were estimated here. */
  usageEstimated: boolean;
  /** The model that answered, as the provider names it. */
  providerModel: string;
  responseId?: string | undefined;
}

/** A way to ask the connected MCP client's model (sampling/createMessage); absent when the session cannot. */
export interface SamplingChannel {
  createMessage(params: SamplingParams, signal: AbortSignal, timeoutMs: number): Promise<SamplingResult>;
}

export interface SamplingParams {
  messages: { role: 'user' | 'assistant'; content: { type: 'text'; text: string } }[];
  systemPrompt?: string;
  maxTokens: number;
  temperature?: number;
  stopSequences?: string[];
  modelPreferences?: { hints?: { name: string }[] };
  includeContext: 'none';
}

export interface SamplingResult {
  model: string;
  role: string;
  stopReason?: string | undefined;
  content: unknown;
}

export interface CallOptions {
  signal: AbortSignal;
  /** Streams from the provider and reports each text delta. */
  onText?: ((delta: string) => void) | undefined;
  sampling?: SamplingChannel | undefined;
  /** Why there is no sampling channel (the host offers no ctx.sample, or the client did not declare the capability). */
  samplingUnavailable?: string | undefined;
}

export interface ChatProvider {
  generate(request: ChatRequest, options: CallOptions): Promise<ChatResponse>;
  /** Input tokens as the provider counts them; undefined where the provider has no counting API. */
  countTokens?(request: ChatRequest, options: CallOptions): Promise<number>;
}

export interface EmbeddingResult {
  vectors: Float32Array[];
  inputTokens: number;
  usageEstimated: boolean;
}

export interface EmbeddingProvider {
  /** How many texts one request may carry. */
  readonly maxBatch: number;
  embed(model: string, texts: string[], dimensions: number, options: CallOptions): Promise<EmbeddingResult>;
}

/** About four characters a token for English text: the estimate used where a provider reports nothing. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

export function estimateRequestTokens(request: ChatRequest): number {
  let total = estimateTokens(request.system ?? '');
  for (const message of request.messages) total += estimateTokens(message.content) + 4;
  for (const tool of request.tools ?? []) total += estimateTokens(JSON.stringify(tool));
  return total;
}
