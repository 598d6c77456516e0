import {
  type ClientLogLevel,
  type CompiledTool,
  compileTool,
  type IdempotencyStore,
  type InFlight,
  type KitConfig,
  type Logger,
  type Redactor,
  type ServiceMetrics,
} from '@switchboard/shared';
import type { OrchestratorConfig, UpstreamConfig } from './config.ts';
import type { Gateway } from './gateway.ts';
import { errorMessage, isRequest, type JsonRpcNotification, type JsonRpcRequest, RPC, resultMessage } from './json-rpc.ts';
import { gatewayTools } from './local-tools/gateway-tools.ts';
import { health } from './local-tools/health.ts';
import { listServices } from './local-tools/list-services.ts';
import type { OrchestratorClients, ServiceStatus } from './local-tools/services-status.ts';
import type { TaskHook } from './local-tools/task-hook.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { ToolInvoker } from './pipeline/invocation.ts';
import { Registry } from './registry/registry.ts';
import type { SessionHandle } from './session-handle.ts';
import { Upstream } from './upstream/upstream.ts';

export const LOCAL_NAMESPACE = 'orchestrator';
const LEVELS: ClientLogLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

export interface FederationOptions {
  config: Readonly<OrchestratorConfig & KitConfig>;
  log: Logger;
  redactor: Redactor;
  kitMetrics: ServiceMetrics;
  metrics: ProxyMetrics;
  inFlight: InFlight;
  /** The environment every stdio child starts from (PATH, HOME); each upstream adds its own `env`. */
  childBaseEnv: Record<string, string>;
  /** More local tools under `orchestrator.` (workflows add theirs). */
  extraTools?: CompiledTool[];
  version: string;
  /** Where the local tools' ctx.idempotent outcomes go (the workflow store's database in the orchestrator). */
  idempotency: IdempotencyStore;
  /** Policy, identities, pins and the audit trail: what the call pipeline's stages consult. */
  gateway: Gateway;
}

/**
 * The federation: every configured upstream, the registry built from their catalogues (tools held back by their
 * pins left out), and the client sessions. When a catalogue or a state changes, the registry is rebuilt and every
 * session hears the list_changed that applies; when the configuration changes, upstreams are added, removed or
 * reconnected in place.
 */
export class Federation {
  registry: Registry;
  config: Readonly<OrchestratorConfig & KitConfig>;
  readonly log: Logger;
  readonly redactor: Redactor;
  readonly kitMetrics: ServiceMetrics;
  readonly metrics: ProxyMetrics;
  readonly inFlight: InFlight;
  readonly idempotency: IdempotencyStore;
  readonly serverInfo: { name: string; version: string };
  readonly instructions =
    'Switchboard federates infrastructure MCP services. Tools are namespaced <service>.<tool>; orchestrator.listServices shows which services are up.';
  readonly localClients: OrchestratorClients & Record<string, unknown>;
  readonly gateway: Gateway;
  /** Calls federated tools from inside the orchestrator (workflows); attached by the runtime. */
  invoker!: ToolInvoker;
  /** Serves MCP tasks for the orchestrator's own tools, once workflows attach it. */
  tasks: TaskHook | undefined;
  #options: FederationOptions;
  #upstreams = new Map<string, Upstream>();
  #sessions = new Set<SessionHandle>();
  #localTools: CompiledTool[];
  #snapshot = { tools: '', resources: '', prompts: '' };
  #sharedSubscriptions = new Map<Upstream, Map<string, number>>();
  #sharedLevel = new Map<Upstream, ClientLogLevel>();
  #stopped = false;

  constructor(options: FederationOptions) {
    this.#options = options;
    this.config = options.config;
    this.log = options.log;
    this.redactor = options.redactor;
    this.kitMetrics = options.kitMetrics;
    this.metrics = options.metrics;
    this.inFlight = options.inFlight;
    this.idempotency = options.idempotency;
    this.serverInfo = { name: 'switchboard-orchestrator', version: options.version };
    this.gateway = options.gateway;
    this.#localTools = [compileTool(listServices), compileTool(health), ...gatewayTools, ...(options.extraTools ?? [])];
    this.localClients = {
      services: () => this.status(),
      problems: () => [...this.registry.problems],
      sessionCount: () => this.#sessions.size,
      gateway: options.gateway,
      onToolAccepted: () => this.#rebuild(),
    };
    this.tasks = undefined;
    for (const upstream of options.config.upstreams) if (upstream.enabled) this.#add(upstream);
    this.registry = this.#build();
    this.#snapshot = this.#snapshotOf(this.registry);
  }

  get pageSize(): number {
    return this.config.listPageSize;
  }

  start(): void {
    for (const upstream of this.#upstreams.values()) upstream.start();
  }

  upstreams(): Upstream[] {
    return [...this.#upstreams.values()];
  }

  upstreamByNamespace(namespace: string): Upstream | undefined {
    for (const upstream of this.#upstreams.values()) if (upstream.namespace === namespace) return upstream;
    return undefined;
  }

  sessions(): SessionHandle[] {
    return [...this.#sessions];
  }

  status(): ServiceStatus[] {
    const pins = this.gateway.pins;
    return this.upstreams().map((u) => ({
      name: u.name,
      namespace: u.namespace,
      url: u.location,
      transport: u.transportKind,
      sessionMode: u.config.sessionMode,
      state: u.state,
      reason: u.reason,
      since: u.since.toISOString(),
      circuit: u.circuitState,
      toolCount: u.catalogue?.tools.length ?? 0,
      lastError: u.lastError ?? null,
      p50LatencyMs: u.p50LatencyMs ?? null,
      thirdParty: !this.gateway.policy.isFirstParty(u.name),
      pinning: this.gateway.policy.pinMode(u.name),
      quarantinedTools: pins.quarantinedIn(u.namespace),
      flaggedTools: pins.flagged(u.namespace),
    }));
  }

  // ---- upstreams -----------------------------------------------------------------------------------------

  #add(config: UpstreamConfig): Upstream {
    if (config.token) this.redactor.register(config.token);
    const upstream = new Upstream({
      config,
      log: this.log,
      healthIntervalMs: this.config.healthIntervalMs,
      reconnectBaseMs: this.config.reconnectBaseMs,
      reconnectMaxMs: this.config.reconnectMaxMs,
      childBaseEnv: this.#options.childBaseEnv,
      fastHttp: this.config.fastHttp,
      events: {
        onCatalogue: (u) => {
          if (u.catalogue) this.gateway.pins.observe(u, u.catalogue.tools);
          this.#rebuild();
        },
        onState: (u) => this.#onState(u),
        onControlMessage: (u, message) => this.#onControlMessage(u, message),
      },
    });
    this.#upstreams.set(config.name, upstream);
    this.#recordState(upstream);
    return upstream;
  }

  #recordState(upstream: Upstream): void {
    this.metrics.upstreamUp.set(
      { namespace: upstream.namespace },
      upstream.state === 'up' || upstream.state === 'degraded' ? 1 : 0,
    );
    const circuit = upstream.circuitState;
    this.metrics.circuitState.set({ namespace: upstream.namespace }, circuit === 'closed' ? 0 : circuit === 'half-open' ? 1 : 2);
  }

  #onState(upstream: Upstream): void {
    this.#recordState(upstream);
    // A recovered upstream may have changed while it was away: clients re-read all lists.
    this.#rebuild(upstream.state === 'up');
  }

  /** Applies a new configuration: removed upstreams stop, changed ones reconnect, new ones start. Sessions stay. */
  async applyConfig(next: Readonly<OrchestratorConfig & KitConfig>): Promise<void> {
    const wanted = new Map(next.upstreams.filter((u) => u.enabled).map((u) => [u.name, u]));
    const stopping: Promise<void>[] = [];
    for (const [name, upstream] of this.#upstreams) {
      const config = wanted.get(name);
      if (!config || JSON.stringify(config) !== JSON.stringify(upstream.config)) {
        this.#upstreams.delete(name);
        this.metrics.upstreamUp.remove({ namespace: upstream.namespace });
        this.metrics.circuitState.remove({ namespace: upstream.namespace });
        stopping.push(upstream.stop());
        this.log.info({ upstream: name }, config ? 'upstream changed: reconnecting' : 'upstream removed');
      }
    }
    await Promise.all(stopping);
    this.config = next;
    for (const [name, config] of wanted) {
      if (this.#upstreams.has(name)) continue;
      this.log.info({ upstream: name }, 'upstream added');
      this.#add(config).start();
    }
    this.#rebuild(true);
  }

  // ---- registry ------------------------------------------------------------------------------------------

  #build(): Registry {
    const all = this.upstreams();
    const visible = all.filter((u) => this.config.downBehavior === 'list' || u.state !== 'down');
    const pins = this.gateway.pins;
    const registry = new Registry({
      separator: this.config.separator,
      upstreams: visible,
      allUpstreams: all,
      localTools: this.#localTools,
      localNamespace: LOCAL_NAMESPACE,
      hidesTool: (upstream, tool) => pins.hides(upstream.namespace, tool, upstream.name),
    });
    for (const problem of registry.problems) this.log.error({ problem }, 'configuration error: name collision');
    return registry;
  }

  #snapshotOf(registry: Registry) {
    return {
      tools: JSON.stringify(registry.toolList),
      resources: JSON.stringify([registry.resourceList, registry.templateList]),
      prompts: JSON.stringify(registry.promptList),
    };
  }

  /** Rebuilds the registry and tells every session which lists changed (all of them when `force`). */
  #rebuild(force = false): void {
    if (this.#stopped) return;
    this.registry = this.#build();
    const next = this.#snapshotOf(this.registry);
    const changed = {
      tools: force || next.tools !== this.#snapshot.tools,
      resources: force || next.resources !== this.#snapshot.resources,
      prompts: force || next.prompts !== this.#snapshot.prompts,
    };
    this.#snapshot = next;
    for (const session of this.#sessions) {
      if (changed.tools) session.notify('notifications/tools/list_changed');
      if (changed.resources) session.notify('notifications/resources/list_changed');
      if (changed.prompts) session.notify('notifications/prompts/list_changed');
    }
  }

  /**
   * The gateway's view changed (the policy was reloaded, the pins loaded, a tool accepted): every catalogue is
   * compared with its pins again and every session re-reads its lists.
   */
  refresh(): void {
    for (const upstream of this.upstreams()) {
      if (upstream.catalogue) this.gateway.pins.observe(upstream, upstream.catalogue.tools);
    }
    this.#rebuild(true);
  }

  // ---- sessions ------------------------------------------------------------------------------------------

  /** A new downstream session (the downstream side creates it and registers it here). */
  addSession(session: SessionHandle): void {
    this.#sessions.add(session);
  }

  async dropSession(session: SessionHandle): Promise<void> {
    if (!this.#sessions.delete(session)) return;
    for (const uri of session.subscriptions) {
      const route = session.namespace
        ? { upstream: this.upstreamByNamespace(session.namespace), uri }
        : this.registry.resolveUri(uri);
      if (route?.upstream?.isShared) await this.sharedSubscription(route.upstream, route.uri, false).catch(() => {});
    }
    await Promise.all(this.upstreams().map((u) => u.dropClient(session)));
    this.onLogLevel();
  }

  /** Sessions that see an upstream: every aggregated one and those pinned to its namespace. */
  #audience(upstream: Upstream): SessionHandle[] {
    return this.sessions().filter((s) => !s.namespace || s.namespace === upstream.namespace);
  }

  /** Unrelated messages from a control (or shared) session: broadcast notifications, attribute requests. */
  #onControlMessage(upstream: Upstream, message: JsonRpcRequest | JsonRpcNotification): void {
    if (!isRequest(message)) {
      if (upstream.isShared) for (const session of this.#audience(upstream)) session.fromSharedUpstream(upstream, message);
      return;
    }
    const control = upstream.control;
    if (!control) return;
    // On a shared session a server request can only be attributed to a client with a call in flight.
    const owners = new Set(upstream.sharedInFlight.values());
    if (owners.size === 1) {
      const [owner] = owners;
      owner?.fromUpstream(upstream, control, message);
      return;
    }
    if (message.method === 'roots/list') {
      void control.respond(resultMessage(message.id, { roots: [] })).catch(() => {});
      return;
    }
    if (message.method === 'ping') {
      void control.respond(resultMessage(message.id, {})).catch(() => {});
      return;
    }
    const reason =
      owners.size === 0
        ? `no client has a call in flight on ${upstream.name} to answer ${message.method}`
        : `several clients have calls in flight on ${upstream.name}; set sessionMode: per-client to relay ${message.method}`;
    void control.respond(errorMessage(message.id, RPC.internalError, reason)).catch(() => {});
  }

  async sharedSubscription(upstream: Upstream, uri: string, subscribe: boolean): Promise<void> {
    const counts = this.#sharedSubscriptions.get(upstream) ?? new Map<string, number>();
    this.#sharedSubscriptions.set(upstream, counts);
    const before = counts.get(uri) ?? 0;
    const after = Math.max(0, before + (subscribe ? 1 : -1));
    if (after === 0) counts.delete(uri);
    else counts.set(uri, after);
    const control = upstream.control;
    if (!control || before > 0 === after > 0) return;
    await control.request(
      subscribe ? 'resources/subscribe' : 'resources/unsubscribe',
      { uri },
      { timeoutMs: upstream.config.timeouts.callMs },
    );
  }

  onLogLevel(): void {
    for (const upstream of this.upstreams()) {
      if (!upstream.isShared || !upstream.control) continue;
      const levels = this.#audience(upstream)
        .map((s) => s.logLevel)
        .filter((l): l is ClientLogLevel => l !== undefined);
      if (levels.length === 0) continue;
      const level = LEVELS[Math.min(...levels.map((l) => LEVELS.indexOf(l)))] as ClientLogLevel;
      if (this.#sharedLevel.get(upstream) === level) continue;
      this.#sharedLevel.set(upstream, level);
      void upstream.control
        .request('logging/setLevel', { level }, { timeoutMs: upstream.config.timeouts.connectMs })
        .catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.sessions().map((s) => s.close()));
    await Promise.all(this.upstreams().map((u) => u.stop()));
  }
}
