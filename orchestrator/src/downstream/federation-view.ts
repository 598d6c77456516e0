import type { ClientLogLevel, IdempotencyStore, InFlight, KitConfig, Redactor, ServiceMetrics } from '@switchboard/shared';
import type { OrchestratorConfig } from '../config.ts';
import type { ProxyMetrics } from '../metrics.ts';
import type { Registry } from '../registry/registry.ts';
import type { Upstream } from '../upstream/upstream.ts';
import type { ClientSession } from './client-session.ts';
import type { TaskHook } from './task-hook.ts';

/** What a client session needs from the federation around it. */
export interface FederationView {
  readonly registry: Registry;
  readonly pageSize: number;
  readonly metrics: ProxyMetrics;
  readonly kitMetrics: ServiceMetrics;
  readonly redactor: Redactor;
  readonly config: Readonly<OrchestratorConfig & KitConfig>;
  readonly inFlight: InFlight;
  /** Where the orchestrator's own tools keep ctx.idempotent outcomes. */
  readonly idempotency: IdempotencyStore;
  readonly serverInfo: { name: string; version: string };
  readonly instructions: string;
  /** What the orchestrator's own tools receive as `ctx.clients`. */
  readonly localClients: unknown;
  /** MCP tasks for the orchestrator's own tools (set when workflows are attached). */
  readonly tasks: TaskHook | undefined;
  upstreamByNamespace(namespace: string): Upstream | undefined;
  upstreams(): Upstream[];
  /** Reference-counted subscription on a shared upstream session. */
  sharedSubscription(upstream: Upstream, uri: string, subscribe: boolean): Promise<void>;
  /** A client changed its log level (shared upstreams follow the most verbose). */
  onLogLevel(): void;
  dropSession(session: ClientSession): Promise<void>;
}

export type { ClientLogLevel };
