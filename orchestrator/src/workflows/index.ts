import { dirname, join } from 'node:path';
import type { Logger, Redactor, ServiceMetrics } from '@switchboard/shared';
import { type Federation, LOCAL_NAMESPACE } from '../federation.ts';
import type { WorkflowConfig } from './config.ts';
import { WorkflowEngine } from './engine/engine.ts';
import { keyFromFile, Sealer } from './engine/sealer.ts';
import { createWorkflowMetrics } from './metrics.ts';
import { createRunStore } from './store/create-store.ts';
import type { SqlRunStore } from './store/sql-run-store.ts';
import { createWorkflowTaskHook } from './task-hook.ts';
import type { ToolCatalog } from './validation/validate.ts';

export { workflowTools } from './tools/index.ts';

export interface WorkflowsOptions {
  config: WorkflowConfig;
  federation: Federation;
  log: Logger;
  redactor: Redactor;
  /** The orchestrator's metrics registry (served at /metrics). */
  registry: ServiceMetrics['registry'];
}

export interface Workflows {
  engine: WorkflowEngine;
  /** The run store (its database also keeps the orchestrator's idempotency records). */
  store: SqlRunStore;
  /** Opens the store, loads definitions and resumes unfinished runs (in the background; failures are logged). */
  start(): void;
  /** Stops driving runs (they resume later from their checkpoints); call before draining in-flight calls. */
  halt(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Wires durable workflows into a federation: the run store, the engine (as `ctx.clients.workflows` of the
 * workflow tools, which the federation got through `extraTools`), and MCP tasks for executeWorkflow.
 */
export function attachWorkflows(options: WorkflowsOptions): Workflows {
  const { config, federation, redactor } = options;
  const log = options.log.child({ component: 'workflows' });
  const store = createRunStore(config, federation.config.dataDir, redactor);
  const key =
    config.encryptionKey ??
    (config.store === 'sqlite' && config.sqlitePath ? keyFromFile(join(dirname(config.sqlitePath), 'workflows.key')) : undefined);
  redactor.register(key);
  if (!key) {
    log.warn('workflows.encryptionKey is not set: sensitive step outputs cannot be opened by another replica or after a restart');
  }
  const catalog: ToolCatalog = {
    namespaces: () => federation.invoker.namespaces(),
    describeTool: (service, tool) => federation.invoker.describeTool(service, tool),
    isAvailable: (namespace) => {
      if (namespace === LOCAL_NAMESPACE) return true;
      const upstream = federation.upstreamByNamespace(namespace);
      const state = upstream?.state;
      // Until the gateway has loaded the tool pins, a pinned upstream's tools cannot be checked: steps wait for them.
      return (state === 'up' || state === 'degraded') && federation.gateway.pins.readyFor(upstream?.name ?? '');
    },
    stateOf: (namespace) => (namespace === LOCAL_NAMESPACE ? 'up' : federation.upstreamByNamespace(namespace)?.state),
  };
  const engine = new WorkflowEngine({
    config,
    store,
    invoker: federation.invoker,
    catalog,
    redactor,
    log,
    metrics: createWorkflowMetrics(options.registry),
    sealer: new Sealer(key),
  });
  Object.assign(federation.localClients, { workflows: engine });
  federation.tasks = createWorkflowTaskHook(engine);
  let closed = false;
  const start = (retryMs: number): void => {
    engine.start().catch((error: Error) => {
      if (closed) return;
      log.error({ err: error, retry_ms: retryMs }, `the workflow engine cannot start: ${error.message}`);
      setTimeout(() => start(Math.min(retryMs * 2, 60_000)), retryMs).unref();
    });
  };
  return {
    engine,
    store,
    start: () => start(1000),
    halt: () => {
      closed = true;
      return engine.halt();
    },
    close: () => {
      closed = true;
      return engine.close();
    },
  };
}
