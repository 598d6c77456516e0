import type { IdempotencyStore } from '@switchboard/shared';
import type { TaskHook } from '../local-tools/task-hook.ts';
import type { PipelineHost } from '../pipeline/tool-call.ts';
import type { SessionHandle } from '../session-handle.ts';
import type { Upstream } from '../upstream/upstream.ts';

/** What a client session needs from the federation around it: the pipeline's host, plus session bookkeeping. */
export interface FederationView extends PipelineHost {
  readonly pageSize: number;
  /** Where the orchestrator's own tools keep ctx.idempotent outcomes. */
  readonly idempotency: IdempotencyStore;
  readonly serverInfo: { name: string; version: string };
  readonly instructions: string;
  /** What the orchestrator's own tools receive as `ctx.clients`. */
  readonly localClients: Record<string, unknown>;
  /** MCP tasks for the orchestrator's own tools (set when workflows are attached). */
  readonly tasks: TaskHook | undefined;
  upstreams(): Upstream[];
  /** Reference-counted subscription on a shared upstream session. */
  sharedSubscription(upstream: Upstream, uri: string, subscribe: boolean): Promise<void>;
  /** A client changed its log level (shared upstreams follow the most verbose). */
  onLogLevel(): void;
  addSession(session: SessionHandle): void;
  dropSession(session: SessionHandle): Promise<void>;
}
