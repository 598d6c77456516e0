import type {
  CompiledTool,
  ElicitationAnswer,
  ElicitationForm,
  InFlight,
  KitConfig,
  Logger,
  Redactor,
  ReleasingMap,
  ServiceMetrics,
} from '@switchboard/shared';
import type { AuditEntry } from '../audit/audit-chain.ts';
import type { OrchestratorConfig } from '../config.ts';
import type { Gateway } from '../gateway.ts';
import type { Identity } from '../identity/identity.ts';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestId } from '../json-rpc.ts';
import type { ProxyMetrics } from '../metrics.ts';
import type { Access } from '../policy/access.ts';
import type { Registry } from '../registry/registry.ts';
import type { CancelToken } from '../upstream/cancel-token.ts';
import type { ToolListing } from '../upstream/catalogue.ts';
import type { ClientLink, Upstream } from '../upstream/upstream.ts';
import type { UpstreamSession } from '../upstream/upstream-session.ts';

/** Asks the human at a client (elicitation, form mode). */
export type ElicitFn = (form: ElicitationForm) => Promise<ElicitationAnswer>;

/** Facts about what carried a message: the HTTP request (or stdio line, or internal call) it came in. */
export interface Carrier {
  /** The carrying request's id (readCorrelationId over its headers); a message's `_meta` id wins over it (handle). */
  correlationId: string;
  /** Who sent it, when the carrier proved it per request (HTTP; a workflow step acting as its run's submitter). */
  identity?: Identity | undefined;
  /** Where an approval prompt goes when the session itself cannot show one (a workflow step: the run's watcher). */
  elicit?: ElicitFn | undefined;
}

/** What the pipeline needs of the federation around it (the Federation satisfies it). */
export interface PipelineHost {
  readonly registry: Registry;
  readonly config: Readonly<OrchestratorConfig & KitConfig>;
  readonly metrics: ProxyMetrics;
  readonly kitMetrics: ServiceMetrics;
  readonly redactor: Redactor;
  readonly inFlight: InFlight;
  readonly gateway: Gateway;
  upstreamByNamespace(namespace: string): Upstream | undefined;
}

/**
 * What the pipeline needs of the downstream session a call came in on. The downstream side implements it; the
 * pipeline never reaches into the endpoints.
 */
export interface PipelineSession extends ClientLink {
  /** Set for `/mcp/<namespace>`: names are that upstream's own. */
  readonly namespace: string | undefined;
  readonly identity: Identity;
  readonly log: Logger;
  /** In-flight calls by client request id: `notifications/cancelled` aborts them. */
  readonly calls: ReleasingMap<RequestId, CancelToken>;
  /** Sends a request to the client and waits for its answer (server-to-client: elicitation). */
  ask(method: string, params: Record<string, unknown>, related: RequestId | undefined): Promise<JsonRpcResponse>;
  /** A message the upstream sent in the course of a forwarded call (progress, logs, its own requests). */
  fromCall(
    upstream: Upstream,
    session: UpstreamSession,
    message: JsonRpcRequest | JsonRpcNotification,
    related: RequestId,
    clientToken: RequestId | undefined,
  ): void;
  /** Runs one of the orchestrator's own tools for this call. */
  callLocal(request: JsonRpcRequest, tool: CompiledTool, call: ToolCall): Promise<JsonRpcResponse>;
}

/** The tool a call names, resolved by the route stage: an upstream's, or the orchestrator's own. */
export type ToolTarget =
  | { kind: 'upstream'; upstream: Upstream; namespace: string; tool: string; listing: ToolListing }
  | { kind: 'local'; local: CompiledTool; namespace: string; tool: string; listing: ToolListing };

/** One tools/call on its way through the stages: each stage reads what the ones before it settled. */
export class ToolCall {
  readonly session: PipelineSession;
  readonly host: PipelineHost;
  readonly request: JsonRpcRequest;
  readonly params: { name: string; arguments?: unknown; _meta?: Record<string, unknown>; task?: { ttl?: number } };
  readonly carrier: Carrier;
  readonly target: ToolTarget;
  readonly started = performance.now();
  /** Settled by identify. */
  identity: Identity;
  access: Access | undefined;
  /** Settled by approve when a rule applied. */
  approval: AuditEntry['approval'];

  constructor(session: PipelineSession, host: PipelineHost, request: JsonRpcRequest, carrier: Carrier, target: ToolTarget) {
    this.session = session;
    this.host = host;
    this.request = request;
    this.params = request.params as ToolCall['params'];
    this.carrier = carrier;
    this.target = target;
    this.identity = session.identity;
  }
}
