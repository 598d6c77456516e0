import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { DestinationStream } from 'pino';
import { serviceEndpoint } from '../client/endpoint-config.ts';
import { type KitConfig, kitConfigSpec, processConfigSource } from '../config/kit-config.ts';
import { type ConfigSource, type ConfigSpec, loadConfig, mergeConfigSpecs } from '../config/load-config.ts';
import type { AnyServiceDefinition, SetupResult } from '../define.ts';
import type { HealthReport } from '../http/health.ts';
import type { HttpRoute } from '../http/routes.ts';
import { lazyKitDb } from '../idempotency/kit-db.ts';
import { IdempotencyStore } from '../idempotency/store.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { createRedactor, type Redactor } from '../logging/redactor.ts';
import { createMetrics, type ServiceMetrics } from '../metrics.ts';
import { createSecretResolver, type SecretResolver } from '../secrets/secret-resolver.ts';
import { type CompiledTool, compileTool } from '../server/compile.ts';
import { InFlight } from './in-flight.ts';

export interface RuntimeOptions {
  /** Where configuration comes from; the process environment and SWITCHBOARD_CONFIG by default. */
  source?: ConfigSource;
  /** Values that win over env and file (tests). */
  overrides?: Record<string, unknown>;
  /** Log destination; stderr by default. */
  logDestination?: DestinationStream;
}

/** Everything a running service instance holds: configuration, logger, metrics, backend clients, tools. */
export interface ServiceRuntime {
  service: AnyServiceDefinition;
  config: Readonly<KitConfig & Record<string, unknown>>;
  log: Logger;
  redactor: Redactor;
  metrics: ServiceMetrics;
  clients: unknown;
  readiness: Record<string, () => Promise<void>>;
  /** Every tool the service defines, those turned off by configuration included (tools/call refuses them). */
  tools: Map<string, CompiledTool>;
  /** Why each tool its `enabled` turned off is off, by name; such tools are not listed. */
  disabledTools: ReadonlyMap<string, string>;
  toolListing: Tool[];
  readOnlyToolListing: Tool[];
  inFlight: InFlight;
  /** Where ctx.idempotent keeps first outcomes (the service's db, or the kit's own, opened on first use). */
  idempotency: IdempotencyStore;
  /** Resolves secret handles (ctx.resolveSecret) through the configured secrets service. */
  secrets: SecretResolver;
  /** The service's own HTTP routes (SetupResult.routes). */
  routes: readonly HttpRoute[];
  /** The service's own status for /health (SetupResult.health). */
  health: (() => HealthReport | Promise<HealthReport>) | undefined;
  /** Releases backend clients; idempotent. */
  close(): Promise<void>;
}

/** Loads and validates the service's configuration (kit settings plus its own); throws ConfigError. */
export function loadServiceConfig(service: AnyServiceDefinition, options: RuntimeOptions = {}): ServiceRuntime['config'] {
  const kit = kitConfigSpec(service.defaultPort);
  const spec = (service.config ? mergeConfigSpecs(kit, service.config) : kit) as ConfigSpec;
  const source = options.source ?? processConfigSource();
  return loadConfig(service.name, spec, {
    ...source,
    overrides: { ...source.overrides, ...options.overrides },
  }) as ServiceRuntime['config'];
}

export async function createRuntime(service: AnyServiceDefinition, options: RuntimeOptions = {}): Promise<ServiceRuntime> {
  const config = loadServiceConfig(service, options);
  const redactor = createRedactor();
  redactor.register(...config.credentials.map((c) => c.token));
  const log = createLogger({
    service: service.name,
    level: config.logLevel,
    redactor,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const metrics = createMetrics();
  const secrets = createSecretResolver({ endpoint: serviceEndpoint(config, 'secrets'), service: service.name, redactor, log });
  let setup: SetupResult<unknown> = { clients: undefined };
  if (service.setup) {
    try {
      setup = await service.setup({ config, log, redactor, metrics: metrics.registry, secrets });
    } catch (error) {
      await secrets.close();
      throw error;
    }
  }
  const tools = new Map(service.tools.map((tool) => [tool.name, compileTool(tool)]));
  const disabledTools = new Map<string, string>();
  for (const tool of service.tools) {
    if (tool.enabled && !tool.enabled(config)) {
      disabledTools.set(tool.name, tool.disabledReason ?? 'the configuration turns it off');
    }
  }
  const toolListing = [...tools.values()].filter((t) => !disabledTools.has(t.definition.name)).map((t) => t.listing as Tool);
  const kitDb = lazyKitDb(config, service.name, redactor);
  const own = setup.db;
  let closed: Promise<void> | undefined;
  return {
    service,
    config,
    log,
    redactor,
    metrics,
    clients: setup.clients,
    readiness: setup.ready ?? {},
    tools,
    disabledTools,
    toolListing,
    readOnlyToolListing: toolListing.filter((tool) => tool.annotations?.readOnlyHint === true),
    inFlight: new InFlight(),
    idempotency: new IdempotencyStore({
      db: own ? async () => own : kitDb.db,
      retentionMs: config.idempotencyRetentionMs,
    }),
    secrets,
    routes: setup.routes ?? [],
    health: setup.health,
    close: () => {
      closed ??= (async () => {
        try {
          await setup.close?.();
        } catch (error) {
          log.error({ err: error }, 'closing backend clients failed');
        }
        await secrets.close();
        await kitDb.close();
      })();
      return closed;
    },
  };
}
