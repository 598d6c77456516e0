import { watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import {
  type CompiledTool,
  type ConfigSource,
  createLogger,
  createMetrics,
  createRedactor,
  type HttpHandle,
  IdempotencyStore,
  InFlight,
  type KitConfig,
  type LogDestination,
  type Logger,
  listenHttp,
  type Redactor,
  type ServiceMetrics,
} from '@switchboard/shared';
import { childBaseEnv, loadOrchestratorConfig, type OrchestratorConfig } from './config.ts';
import { createOrchestratorEndpoint } from './downstream/http-endpoint.ts';
import { serveOrchestratorStdio } from './downstream/stdio-endpoint.ts';
import { createToolInvoker } from './downstream/tool-invoker.ts';
import { Federation, LOCAL_NAMESPACE } from './federation.ts';
import { Gateway } from './gateway.ts';
import { createProxyMetrics } from './metrics.ts';
import { attachWorkflows, type Workflows, workflowTools } from './workflows/index.ts';

export const VERSION = '0.1.0';

export interface OrchestratorOptions {
  source: ConfigSource;
  overrides?: Record<string, unknown>;
  logDestination?: LogDestination;
  extraTools?: CompiledTool[];
}

export interface Orchestrator {
  config: Readonly<OrchestratorConfig & KitConfig>;
  log: Logger;
  redactor: Redactor;
  metrics: ServiceMetrics;
  federation: Federation;
  /** Policy, identities, pinned tool definitions and the audit trail. */
  gateway: Gateway;
  /** Durable workflows (executeWorkflow and friends). */
  workflows: Workflows;
  inFlight: InFlight;
  /** Re-reads the configuration and applies it; a bad file is logged and the running config kept. */
  reload(): Promise<boolean>;
  /** Reloads whenever the configuration file changes. */
  watchConfig(): void;
  serveHttp(): Promise<HttpHandle>;
  serveStdio(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, onEnd: () => void): { close(): Promise<void> };
  close(): Promise<void>;
}

function load(options: OrchestratorOptions): Readonly<OrchestratorConfig & KitConfig> {
  const { source } = options;
  return loadOrchestratorConfig({ ...source, overrides: { ...source.overrides, ...options.overrides } }) as Readonly<
    OrchestratorConfig & KitConfig
  >;
}

/** Builds the orchestrator: configuration (throws ConfigError), logger, metrics and the federation, started. */
export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  const config = load(options);
  let closed = false;
  const redactor = createRedactor();
  redactor.register(...config.credentials.map((c) => c.token));
  const log = createLogger({
    service: 'orchestrator',
    level: config.logLevel,
    redactor,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const metrics = createMetrics();
  const inFlight = new InFlight();
  // The local tools' idempotency records live in the workflow store's database (created below).
  let workflows: Workflows | undefined;
  const idempotency = new IdempotencyStore({
    db: async () => {
      if (!workflows) throw new Error('the workflow store is not attached yet');
      return workflows.store.database();
    },
    retentionMs: config.idempotencyRetentionMs,
  });
  // The gateway's tables (pins, identities of run submitters) live in the workflow store's database too.
  let federation: Federation | undefined;
  const gateway = new Gateway({
    config,
    log,
    redactor,
    kitMetrics: metrics,
    db: async () => {
      if (!workflows) throw new Error('the workflow store is not attached yet');
      return workflows.store.database();
    },
    onChange: () => federation?.refresh(),
  });
  federation = new Federation({
    config,
    log,
    redactor,
    kitMetrics: metrics,
    metrics: createProxyMetrics(metrics),
    inFlight,
    childBaseEnv: childBaseEnv(options.source.env),
    extraTools: [...(options.extraTools ?? []), ...workflowTools()],
    version: VERSION,
    idempotency,
    gateway,
  });
  const fed = federation;
  fed.invoker = createToolInvoker(
    {
      federation: fed,
      separator: () => fed.config.separator,
      lookupTool: (name) => fed.registry.tools.get(name)?.listing,
      namespaces: () => [LOCAL_NAMESPACE, ...fed.upstreams().map((u) => u.namespace)],
      resolveCaller: (id) => gateway.identities.resolve(id),
    },
    log.child({ component: 'invoker' }),
  );
  fed.start();
  const attached = attachWorkflows({ config: config.workflows, federation: fed, log, redactor, registry: metrics.registry });
  workflows = attached;
  attached.start();
  const loadPins = (retryMs: number): void => {
    gateway
      .start()
      .then(() => {
        log.info({ policy: gateway.policy.source, audit: gateway.audit.label }, 'gateway ready: tool pins loaded');
        fed.refresh();
      })
      .catch((error: Error) => {
        if (closed) return;
        log.error(
          { err: error, retry_ms: retryMs },
          `cannot load the tool pins (pinned upstreams' tools stay hidden): ${error.message}`,
        );
        setTimeout(() => loadPins(Math.min(retryMs * 2, 60_000)), retryMs).unref();
      });
  };
  loadPins(1000);
  let watcher: ReturnType<typeof watch> | undefined;

  const reload = async (): Promise<boolean> => {
    let next: Readonly<OrchestratorConfig & KitConfig>;
    try {
      next = load(options);
    } catch (error) {
      log.error({ err: error }, 'configuration reload failed; keeping the running configuration');
      return false;
    }
    for (const credential of next.credentials) redactor.register(credential.token);
    await fed.applyConfig(next);
    log.info({ upstreams: next.upstreams.map((u) => u.name) }, 'configuration reloaded');
    return true;
  };

  const shutdown = async () => {
    closed = true;
    watcher?.close();
    await attached.halt();
    await gateway.close();
    await attached.close();
    await fed.stop();
  };

  return {
    config,
    log,
    redactor,
    metrics,
    federation: fed,
    gateway,
    workflows: attached,
    inFlight,
    reload,
    watchConfig() {
      const file = options.source.file;
      if (!file || watcher) return;
      const path = resolve(file);
      let timer: NodeJS.Timeout | undefined;
      watcher = watch(dirname(path), (_event, name) => {
        if (name !== basename(path)) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), 200);
      });
      watcher.unref();
    },
    serveHttp: () =>
      listenHttp({
        name: 'orchestrator',
        version: VERSION,
        config,
        log,
        registry: metrics.registry,
        readiness: {},
        endpoint: createOrchestratorEndpoint({
          federation: fed,
          log,
          kitMetrics: metrics,
          maxSessions: config.maxSessions,
          sessionIdleMs: config.sessionIdleMs,
        }),
        inFlight,
        close: shutdown,
        // Workflow runs stop first (they resume from their checkpoints), so draining does not wait on their steps.
      }).then((handle) => ({ ...handle, shutdown: () => attached.halt().then(() => handle.shutdown()) })),
    serveStdio: (input, output, onEnd) => serveOrchestratorStdio({ federation: fed, log, input, output, onEnd }),
    close: async () => {
      if (closed) return;
      await shutdown();
    },
  };
}
