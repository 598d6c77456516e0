import { createNameFilter, type Logger, ReleasingMap, sleep } from '@switchboard/shared';
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config.ts';
import { type JsonRpcNotification, type JsonRpcRequest, LATEST_PROTOCOL_VERSION, type RequestId } from '../json-rpc.ts';
import { backoffDelay } from './backoff.ts';
import type { Catalogue } from './catalogue.ts';
import { type CatalogueKind, fetchCatalogue } from './catalogue-fetch.ts';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.ts';
import { ClientSessions } from './client-sessions.ts';
import { H1Client } from './h1-client.ts';
import { HttpStatusError } from './http-transport.ts';
import { LatencyRing } from './latency.ts';
import { checkReady, type Readiness, readyUrlOf } from './readiness.ts';
import { TransportError } from './transport.ts';
import { createTransport } from './transport-factory.ts';
import { UpstreamSession } from './upstream-session.ts';

export type UpstreamState = 'connecting' | 'up' | 'degraded' | 'down';

/** A downstream client session, as an upstream sees it when it opens a session on its behalf. */
export interface ClientLink {
  readonly id: string;
  readonly capabilities: Record<string, unknown>;
  readonly clientInfo: { name: string; version: string };
  readonly protocolVersion: string;
  /** The MCP log level the client asked for, replayed on new upstream sessions. */
  readonly logLevel: string | undefined;
  /** A message from this client's own upstream session that is not tied to one of our requests. */
  fromUpstream(upstream: Upstream, session: UpstreamSession, message: JsonRpcRequest | JsonRpcNotification): void;
}

export interface UpstreamEvents {
  /** The catalogue changed (first connect, reconnect, list_changed). */
  onCatalogue(upstream: Upstream, kinds: ReadonlySet<CatalogueKind>): void;
  onState(upstream: Upstream): void;
  /** Unrelated messages on the control (or shared) session: list_changed is handled here, the rest is passed on. */
  onControlMessage(upstream: Upstream, message: JsonRpcRequest | JsonRpcNotification): void;
}

export interface UpstreamOptions {
  config: UpstreamConfig;
  log: Logger;
  events: UpstreamEvents;
  healthIntervalMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** PATH and HOME for stdio children; nothing else of the orchestrator's environment reaches them. */
  childBaseEnv: Record<string, string>;
  /** POSTs to a plain-HTTP upstream take the lean client (H1Client); false: undici for everything. */
  fastHttp: boolean;
}

const CLIENT_INFO = { name: 'switchboard-orchestrator', version: '0.1.0' };
const CONTROL_MESSAGES: Record<string, CatalogueKind> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/resources/list_changed': 'resources',
  'notifications/prompts/list_changed': 'prompts',
};

/** The upstream cannot take calls now (down or circuit open). */
export class UpstreamUnavailableError extends Error {
  readonly since: Date;
  constructor(upstream: string, since: Date, reason: string) {
    super(`${upstream} is unavailable since ${since.toISOString()}: ${reason}`);
    this.name = 'UpstreamUnavailableError';
    this.since = since;
  }
}

/**
 * One configured upstream: a supervised control session (catalogue, pings, list_changed; it is also the shared
 * session in `shared` mode), a session per downstream client in `per-client` mode, health, a circuit breaker and
 * reconnection with exponential backoff and jitter.
 */
export class Upstream {
  readonly config: UpstreamConfig;
  readonly log: Logger;
  state: UpstreamState = 'connecting';
  since = new Date();
  reason = 'connecting';
  lastError: string | undefined;
  catalogue: Catalogue | undefined;
  readonly breaker: CircuitBreaker;
  readonly allowsTool: (name: string) => boolean;
  #options: UpstreamOptions;
  #pool: Pool | undefined;
  /** POSTs to a plain-HTTP upstream: the lean client (see H1Client). */
  #h1: H1Client | undefined;
  #control: UpstreamSession | undefined;
  #legacy = false;
  readonly #clients = new ClientSessions<ClientLink>();
  readonly #latency = new LatencyRing();
  #stop = new AbortController();
  #wake: (() => void) | undefined;
  #ready: Readiness = { ok: true, detail: '' };
  /** Shared-mode calls in flight, by our request id, so unrelated server requests can find their client. */
  readonly sharedInFlight = new ReleasingMap<RequestId, ClientLink>();

  constructor(options: UpstreamOptions) {
    this.#options = options;
    this.config = options.config;
    this.log = options.log.child({ upstream: options.config.name, namespace: options.config.namespace });
    this.allowsTool = createNameFilter(options.config.tools.allow, options.config.tools.deny);
    this.breaker = new CircuitBreaker({
      failureThreshold: options.config.circuit.failureThreshold,
      cooldownMs: options.config.circuit.cooldownMs,
      onChange: (state) => {
        this.log.warn({ circuit: state }, `circuit ${state}`);
        this.#refreshState();
      },
    });
    if (options.config.url) {
      const origin = new URL(new URL(options.config.url).origin);
      this.#pool = new Pool(origin, { connections: 256, keepAliveTimeout: 60_000 });
      if (origin.protocol === 'http:' && options.fastHttp)
        this.#h1 = new H1Client({ origin, connectTimeoutMs: options.config.timeouts.connectMs });
    }
  }

  get name(): string {
    return this.config.name;
  }

  get namespace(): string {
    return this.config.namespace;
  }

  /** Where the upstream lives, for listServices: its URL or its command line. */
  get location(): string {
    return this.config.url ?? [this.config.command, ...this.config.args].join(' ');
  }

  /** How the orchestrator talks to it. */
  get transportKind(): 'streamable-http' | 'sse' | 'stdio' {
    return this.config.url ? (this.#legacy ? 'sse' : 'streamable-http') : 'stdio';
  }

  get circuitState(): CircuitState {
    return this.breaker.state;
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  start(): void {
    void this.#supervise();
    void this.#healthLoop();
  }

  async stop(): Promise<void> {
    const control = this.#control;
    this.#stop.abort();
    this.#wake?.();
    await this.#clients.closeAll();
    await control?.close();
    this.#h1?.close();
    await this.#pool?.destroy().catch(() => {});
  }

  async #openSession(link: ClientLink | undefined): Promise<UpstreamSession> {
    const session = new UpstreamSession({
      transport: createTransport(this.config, {
        pool: this.#pool,
        h1: this.#h1,
        legacy: this.#legacy,
        childBaseEnv: this.#options.childBaseEnv,
        log: this.log,
      }),
      clientInfo: link ? { name: `${link.clientInfo.name} via switchboard`, version: link.clientInfo.version } : CLIENT_INFO,
      capabilities: link ? link.capabilities : { elicitation: {}, sampling: {}, roots: { listChanged: true } },
      protocolVersion: link?.protocolVersion ?? LATEST_PROTOCOL_VERSION,
      onUnrelated: (message) => {
        if (link) link.fromUpstream(this, session, message);
        else this.#onControlMessage(message);
      },
      onClose: (error) => {
        if (link) this.#clients.forget(link);
        else this.#onControlClosed(error);
      },
    });
    try {
      await session.initialize(this.config.timeouts.connectMs);
    } catch (error) {
      await session.close();
      throw error;
    }
    if (link?.logLevel)
      await session
        .request('logging/setLevel', { level: link.logLevel }, { timeoutMs: this.config.timeouts.connectMs })
        .catch(() => {});
    return session;
  }

  /** Connects the control session, falling back from Streamable HTTP to legacy SSE once when the server only speaks that. */
  async #connectControl(): Promise<UpstreamSession> {
    try {
      return await this.#openSession(undefined);
    } catch (error) {
      if (this.config.url && !this.#legacy && error instanceof HttpStatusError && [400, 404, 405].includes(error.status)) {
        this.#legacy = true;
        try {
          const session = await this.#openSession(undefined);
          this.log.info('the upstream speaks the legacy HTTP+SSE transport');
          return session;
        } catch (fallback) {
          this.#legacy = false;
          throw fallback;
        }
      }
      throw error;
    }
  }

  async #supervise(): Promise<void> {
    let attempt = 0;
    while (!this.#stop.signal.aborted) {
      let upSince = 0;
      try {
        const session = await this.#connectControl();
        if (this.#stop.signal.aborted) {
          await session.close();
          return;
        }
        this.#control = session;
        await this.#refreshCatalogue(new Set(['tools', 'resources', 'prompts']));
        this.breaker.reset();
        this.lastError = undefined;
        upSince = Date.now();
        this.#setState('up', 'connected');
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          if (session.closed) resolve();
        });
      } catch (error) {
        this.lastError = (error as Error).message;
        this.#setState('down', `cannot connect: ${this.lastError}`);
      }
      this.#control = undefined;
      this.#wake = undefined;
      if (this.#stop.signal.aborted) return;
      if (upSince && Date.now() - upSince > this.#options.reconnectMaxMs) attempt = 0;
      const delay = backoffDelay(attempt++, this.#options.reconnectBaseMs, this.#options.reconnectMaxMs);
      this.log.info({ delay_ms: delay, attempt }, 'reconnecting after backoff');
      await sleep(delay, this.#stop.signal).catch(() => {});
    }
  }

  #onControlClosed(error: Error): void {
    if (this.#stop.signal.aborted) return;
    this.lastError = error.message;
    this.#setState('down', `connection lost: ${error.message}`);
    this.#wake?.();
  }

  #onControlMessage(message: JsonRpcRequest | JsonRpcNotification): void {
    const kind = CONTROL_MESSAGES[message.method];
    if (kind) {
      void this.#refreshCatalogue(new Set([kind])).catch((error: Error) =>
        this.log.warn({ err: error }, 'catalogue refresh failed'),
      );
      return;
    }
    this.#options.events.onControlMessage(this, message);
  }

  async #refreshCatalogue(kinds: Set<CatalogueKind>): Promise<void> {
    const control = this.#control;
    if (!control) return;
    const next = await fetchCatalogue(control, this.catalogue, kinds, this.allowsTool, this.config.timeouts.connectMs);
    if (!next) return;
    this.catalogue = next;
    this.#options.events.onCatalogue(this, kinds);
  }

  // ---- health --------------------------------------------------------------------------------------------

  /** One health round: an MCP ping on the control session and the upstream's /ready. */
  async checkHealth(): Promise<void> {
    const session = this.#control;
    if (!session) return;
    const started = performance.now();
    try {
      const response = await session.request('ping', undefined, { timeoutMs: this.config.timeouts.connectMs });
      if (response.error) throw new Error(response.error.message);
      this.recordLatency(performance.now() - started);
      if (this.breaker.state === 'half-open' && this.breaker.allow()) this.breaker.success();
    } catch (error) {
      this.lastError = `ping failed: ${(error as Error).message}`;
      this.breaker.failure();
      // Unreachable (refused, reset, session gone), not merely slow: report it down now and reconnect with backoff.
      if (error instanceof TransportError && session === this.#control) {
        await session.close(new TransportError(this.lastError, { cause: error }));
        return;
      }
    }
    const readyUrl = readyUrlOf(this.config);
    if (readyUrl && this.#pool) this.#ready = await checkReady(this.#pool, readyUrl, this.config.timeouts.connectMs);
    this.#refreshState();
  }

  async #healthLoop(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      await sleep(this.#options.healthIntervalMs, this.#stop.signal).catch(() => {});
      if (this.#stop.signal.aborted) return;
      await this.checkHealth().catch(() => {});
    }
  }

  #refreshState(): void {
    if (!this.#control || this.#control.closed) return;
    const circuit = this.breaker.state;
    if (circuit === 'open')
      this.#setState('down', `circuit open after ${this.config.circuit.failureThreshold} consecutive failures`);
    else if (circuit === 'half-open') this.#setState('degraded', 'circuit half-open: probing');
    else if (!this.#ready.ok) this.#setState('degraded', this.#ready.detail);
    else this.#setState('up', 'connected');
  }

  #setState(state: UpstreamState, reason: string): void {
    const changed = state !== this.state;
    this.reason = reason;
    if (!changed) return;
    this.state = state;
    this.since = new Date();
    this.log.info({ state, reason }, `upstream ${state}`);
    this.#options.events.onState(this);
  }

  // ---- calls ---------------------------------------------------------------------------------------------

  recordLatency(ms: number): void {
    this.#latency.record(ms);
  }

  /** Median latency of recent calls and pings, in ms. */
  get p50LatencyMs(): number | undefined {
    return this.#latency.p50;
  }

  /** Throws UpstreamUnavailableError unless calls may go through now (connected and circuit not open). */
  assertAvailable(): void {
    if (!this.#control || this.state === 'down' || this.state === 'connecting') {
      throw new UpstreamUnavailableError(this.name, this.since, this.reason);
    }
    if (!this.breaker.allow()) {
      throw new UpstreamUnavailableError(this.name, new Date(this.breaker.openedAt ?? Date.now()), 'circuit open');
    }
  }

  /** The session that carries this client's calls when it is already open (no wait): the common case. */
  openSessionFor(link: ClientLink): UpstreamSession | undefined {
    return this.config.sessionMode === 'shared' ? this.#control : this.#clients.openFor(link);
  }

  /** The session that carries this client's calls: its own (per-client) or the shared one. */
  sessionFor(link: ClientLink): Promise<UpstreamSession> {
    if (this.config.sessionMode === 'shared') {
      const control = this.#control;
      return control
        ? Promise.resolve(control)
        : Promise.reject(new UpstreamUnavailableError(this.name, this.since, this.reason));
    }
    return this.#clients.sessionFor(link, () => this.#openSession(link));
  }

  /** The sessions opened for a client so far (per-client mode). */
  openSessionsOf(link: ClientLink): Promise<UpstreamSession[]> {
    return this.#clients.of(link);
  }

  get isShared(): boolean {
    return this.config.sessionMode === 'shared';
  }

  /** The control session, when connected (shared mode calls ride on it). */
  get control(): UpstreamSession | undefined {
    return this.#control;
  }

  async dropClient(link: ClientLink): Promise<void> {
    await this.#clients.drop(link);
    for (const [id, owner] of this.sharedInFlight) if (owner === link) this.sharedInFlight.delete(id);
  }
}
