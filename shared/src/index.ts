export { z } from 'zod';
export { type ApprovalAnswer, type ApprovalQuestion, askApproval } from './ask-approval.ts';
export {
  type ServiceEndpointConfig,
  type ServiceEndpointSpecOptions,
  serviceEndpoint,
  serviceEndpointConfig,
} from './client/endpoint-config.ts';
export { toolErrorFromResult } from './client/result-error.ts';
export {
  createServiceClient,
  type ServiceCallOptions,
  type ServiceClient,
  type ServiceClientOptions,
} from './client/service-client.ts';
export { type SseEvent, SseParser } from './client/sse-parser.ts';
export { envBoolean, envBytes, envInt, envJson, envList } from './config/env-values.ts';
export { type Credential, type KitConfig, kitConfigSpec, LOG_LEVELS, processConfigSource } from './config/kit-config.ts';
export {
  ConfigError,
  type ConfigSource,
  type ConfigSpec,
  defineConfig,
  loadConfig,
  mergeConfigSpecs,
} from './config/load-config.ts';
export type {
  Caller,
  ClientLogLevel,
  ElicitationAnswer,
  ElicitationForm,
  RequestContext,
  SampleOptions,
  SamplingRequest,
  SamplingResponse,
  ToolContext,
} from './context.ts';
export {
  CORRELATION_HEADER,
  CORRELATION_META_KEY,
  type CorrelationSources,
  findCorrelationId,
  readCorrelationId,
  writeCorrelationId,
} from './correlation.ts';
export {
  type AnyToolDefinition,
  type ConfigOf,
  definePrompt,
  defineResource,
  defineService,
  defineTool,
  type PromptDefinition,
  type ResourceDefinition,
  type ServiceDefinition,
  type SetupInput,
  type SetupResult,
  type ToolAnnotations,
  type ToolCallEvent,
  type ToolDefinition,
} from './define.ts';
export { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode, type ErrorPayload, isErrorCode, ToolError } from './errors.ts';
export { FastCounter, type FastCounterChild, FastHistogram, type FastHistogramChild } from './fast-metrics.ts';
export type { LeanMcpHttpEndpoint, McpHttpEndpoint, NodeMcpHttpEndpoint } from './http/app.ts';
export { callerIdOf } from './http/auth.ts';
export { headerLines, isToken, trimmed } from './http/header-lines.ts';
export type { HealthReport } from './http/health.ts';
export { sendJsonRpcError } from './http/json-rpc-error.ts';
export type { McpRequest, McpResponse, NodeMcpRequest } from './http/mcp-request.ts';
export { sendRateLimited } from './http/rate-limit.ts';
export type { HttpRoute } from './http/routes.ts';
export { argumentsFingerprint, createIdempotent, type IdempotentCallOptions } from './idempotency/idempotent.ts';
export { IDEMPOTENCY_META_KEY, idempotencyKeyOf } from './idempotency/key.ts';
export { lazyKitDb } from './idempotency/kit-db.ts';
export { IdempotencyStore, type IdempotencyStoreOptions, idempotencyMigrations } from './idempotency/store.ts';
export { createLogger, type LogDestination, type Logger } from './logging/logger.ts';
export { createRedactor, REDACTED, Redactor } from './logging/redactor.ts';
export { Counter, createMetrics, DURATION_BUCKETS, Gauge, Histogram, Registry, type ServiceMetrics } from './metrics.ts';
export { capValue } from './output/cap.ts';
export { countWithin, decodeCursor, encodeCursor, fitPage, type Page, pageInput, pageOutput } from './output/paging.ts';
export { createNameFilter, matchesNamePattern, namePatternRegExp } from './policy/name-pattern.ts';
export { RateLimiter } from './policy/rate-limiter.ts';
export { type Abortable, InFlight } from './runtime/in-flight.ts';
export { type HttpHandle, type ListenHttpOptions, listenHttp } from './runtime/listen-http.ts';
export { ReleasingMap } from './runtime/releasing-map.ts';
export { EXIT_CONFIG, runService } from './runtime/run-service.ts';
export { createRuntime, type RuntimeOptions, type ServiceRuntime } from './runtime/runtime.ts';
export { sleep } from './runtime/sleep.ts';
export {
  isSecretHandle,
  looksLikeSecretHandle,
  SECRET_HANDLE_SCHEME,
  SECRET_VALUE_MARKER,
  type SensitiveMark,
  sensitiveMarkOf,
} from './secrets/handle.ts';
export { createRecipient, SEAL_ALGORITHM, type SealedEnvelope, type SealRecipient, seal } from './secrets/sealing.ts';
export {
  createSecretResolver,
  type ResolveConfigOptions,
  type ResolvedSecret,
  type ResolveSecretOptions,
  type SecretResolver,
  type SecretResolverOptions,
} from './secrets/secret-resolver.ts';
export {
  acceptsErrorEnvelope,
  type CompiledTool,
  compileTool,
  DISCLOSES_META_KEY,
  ERROR_ENVELOPE_SCHEMA,
  jsonSchemaOf,
} from './server/compile.ts';
export { errorResult, runToolCall, type ToolCallEnvironment } from './server/tool-call.ts';
export { MemoryEventStore } from './transports/event-store.ts';
