import type { CreateMessageRequest, CreateMessageResult } from '@modelcontextprotocol/sdk/types.js';
import type { KitConfig } from './config/kit-config.ts';
import type { Logger } from './logging/logger.ts';
import type { Redactor } from './logging/redactor.ts';
import type { ResolvedSecret } from './secrets/secret-resolver.ts';

/** Who is calling: the name of the bearer token, or the local transport. */
export interface Caller {
  id: string;
  kind: 'token' | 'anonymous' | 'local';
}

export type ClientLogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

/** A flat form the client shows its human (MCP elicitation, form mode). */
export interface ElicitationForm {
  message: string;
  requestedSchema: {
    type: 'object';
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
  };
}

export type ElicitationAnswer =
  | { action: 'accept'; content: Record<string, unknown> }
  | { action: 'decline' | 'cancel'; content?: undefined };

/** What a tool asks the client's model (MCP sampling/createMessage params). */
export type SamplingRequest = CreateMessageRequest['params'];
/** The client model's answer. */
export type SamplingResponse = CreateMessageResult;

export interface SampleOptions {
  /** Aborts the request (the call's own signal is always followed). */
  signal?: AbortSignal | undefined;
  /** How long to wait for the answer (default 5 minutes: the client may show the request to its human first). */
  timeoutMs?: number | undefined;
}

/** What every request handler (tool, resource, prompt) receives. */
export interface RequestContext<Config = unknown, Clients = unknown> {
  /** The package's typed configuration, kit settings included; frozen. */
  config: Readonly<Config & KitConfig>;
  /** The backend clients `setup` returned. */
  clients: Clients;
  /** A child logger bound to service, tool and correlation id. */
  log: Logger;
  caller: Caller;
  correlationId: string;
  /** Aborted when the client cancels the call or the session closes. */
  signal: AbortSignal;
  redactor: Redactor;
  /** The request's `_meta` as the client sent it (progress token, idempotency key, correlation id). */
  meta: Readonly<Record<string, unknown>>;
}

export interface ToolContext<Config = unknown, Clients = unknown> extends RequestContext<Config, Clients> {
  /** Reports progress when the client asked for it (a progress token); otherwise a no-op. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Sends an MCP log notification if the session asked for that level (logging/setLevel). */
  clientLog(level: ClientLogLevel, data: unknown): Promise<void>;
  /** Whether the connected client declared the elicitation capability. */
  readonly canElicit: boolean;
  /** Asks the human at the client; throws APPROVAL_REQUIRED when the client cannot elicit. */
  elicit(form: ElicitationForm): Promise<ElicitationAnswer>;
  /**
   * Runs a mutation at most once per idempotency key. When the call's `_meta["io.switchboard/idempotency-key"]`
   * carries a key (the workflow engine sends one with every step), the first call with (caller, tool, key) runs
   * `work` and its outcome (the result, or a ToolError retrying cannot change) is kept for the retention window
   * (SWITCHBOARD_IDEMPOTENCY_RETENTION_MS); a repeat returns that outcome without running `work`, a repeat while the
   * first still runs waits for it, and a repeat with other arguments fails with IDEMPOTENCY_CONFLICT. Without a key
   * `work` just runs. Once per call; put the whole mutation (and nothing read-only around it) inside. The value must
   * be JSON (a repeat gets it back parsed from the store, redacted).
   */
  idempotent<T>(work: () => Promise<T>): Promise<T>;
  // The three below are always there in a kit service; they are optional in the type only because a host that
  // builds tool contexts itself (the orchestrator's local tools) may not offer them.
  /** Whether the connected client declared the sampling capability. */
  readonly canSample?: boolean;
  /**
   * Asks the client's own model (MCP sampling/createMessage, relayed by the orchestrator when the client is
   * connected there); UNSUPPORTED when the client cannot sample. The request's text is redacted first: no
   * registered secret reaches a model this way.
   */
  sample?(request: SamplingRequest, options?: SampleOptions): Promise<SamplingResponse>;
  /**
   * Resolves a `secret://<backend>/<path>[#version]` handle server to server through the configured secrets service
   * (SWITCHBOARD_SECRETS_URL/_TOKEN; the token's name must be allowed the path by its resolvePolicy). The value is
   * registered with the redactor (exact match and digest) before it is returned, so it cannot come back out of this
   * process in a log or a result. `purpose` (default `tool:<name>`) goes to the secrets audit log. Errors: see
   * SecretResolver.resolve (UNSUPPORTED when no secrets service is configured).
   */
  resolveSecret?(handle: string, options?: { purpose?: string }): Promise<ResolvedSecret>;
}
