import { randomUUID } from 'node:crypto';
import { type Logger, type McpResponse, ReleasingMap, type ServiceMetrics, sendJsonRpcError } from '@switchboard/shared';
import type { Identity } from '../identity/identity.ts';
import type { RequestId } from '../json-rpc.ts';
import { ClientSession, type MessageSink } from './client-session.ts';
import type { FederationView } from './federation-view.ts';
import type { PostExchange } from './post-exchange.ts';
import { SseStream } from './sse-stream.ts';

export type Kind = 'streamable-http' | 'sse';

export interface HttpSession {
  id: string;
  kind: Kind;
  session: ClientSession;
  /** The identity that opened it: only requests proving the same caller id may use it. */
  owner: string;
  lastSeen: number;
  openRequests: number;
  standalone: SseStream;
  /** Requests in flight, by id, to the POST that carries them. */
  exchanges: ReleasingMap<RequestId, PostExchange>;
  /** POST response streams kept for resumption, by stream id. */
  streams: Map<string, SseStream>;
}

export interface HttpSessionsOptions {
  federation: FederationView;
  log: Logger;
  kitMetrics: ServiceMetrics;
  maxSessions: number;
  sessionIdleMs: number;
}

const MAX_KEPT_STREAMS = 50;

/**
 * The HTTP sessions of the orchestrator's endpoint: each owned by the caller that opened it, closed after being
 * idle (no request open) for sessionIdleMs, counted in mcp_sessions_active by transport.
 */
export class HttpSessions {
  readonly #options: HttpSessionsOptions;
  readonly #sessions = new Map<string, HttpSession>();
  readonly #sweep: NodeJS.Timeout;

  constructor(options: HttpSessionsOptions) {
    this.#options = options;
    this.#sweep = setInterval(
      () => {
        const cutoff = Date.now() - options.sessionIdleMs;
        for (const state of this.#sessions.values()) {
          if (state.openRequests === 0 && state.lastSeen < cutoff) void this.close(state);
        }
      },
      Math.min(60_000, Math.max(1000, Math.floor(options.sessionIdleMs / 2))),
    );
    this.#sweep.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Answers 503 and returns false when a new session would pass the limit. */
  admit(res: McpResponse): boolean {
    if (this.#sessions.size < this.#options.maxSessions) return true;
    sendJsonRpcError(res, 503, -32000, `Too many sessions (limit ${this.#options.maxSessions}); close one or retry later`);
    return false;
  }

  #report(kind: Kind): void {
    let count = 0;
    for (const s of this.#sessions.values()) if (s.kind === kind) count++;
    this.#options.kitMetrics.sessionsActive.set({ service: 'orchestrator', transport: kind }, count);
  }

  /** Marks a request open on the session until its response closes. */
  track(state: HttpSession, res: McpResponse): void {
    state.lastSeen = Date.now();
    state.openRequests++;
    res.on('close', () => {
      state.openRequests--;
      state.lastSeen = Date.now();
    });
  }

  open(kind: Kind, namespace: string | undefined, identity: Identity): HttpSession {
    const id = randomUUID();
    const sink: MessageSink = {
      send: (message, related) => {
        const exchange = related === undefined ? undefined : state.exchanges.get(related);
        if (exchange) exchange.deliver(message);
        else state.standalone.write(message);
      },
    };
    const session = new ClientSession({
      federation: this.#options.federation,
      namespace,
      identity,
      sink,
      log: this.#options.log.child({ session_id: id }),
    });
    const state: HttpSession = {
      id,
      kind,
      session,
      owner: identity.id,
      lastSeen: Date.now(),
      openRequests: 0,
      standalone: new SseStream(`${id}-get`),
      exchanges: new ReleasingMap(),
      streams: new Map(),
    };
    this.#sessions.set(id, state);
    this.#report(kind);
    return state;
  }

  /** The caller's session of that id and transport (its request tracked), or undefined after answering 404. */
  lookup(identity: Identity, res: McpResponse, id: string | undefined, kind: Kind): HttpSession | undefined {
    const state = id ? this.#sessions.get(id) : undefined;
    if (!state || state.kind !== kind || state.owner !== identity.id) {
      sendJsonRpcError(res, 404, -32001, 'Session not found: it expired or was closed; initialize a new session');
      return undefined;
    }
    this.track(state, res);
    return state;
  }

  /** Keeps a POST's response stream for resumption (the oldest beyond the limit is dropped). */
  keepStream(state: HttpSession, stream: SseStream): void {
    state.streams.set(stream.id, stream);
    if (state.streams.size > MAX_KEPT_STREAMS) state.streams.delete(state.streams.keys().next().value as string);
  }

  async close(state: HttpSession): Promise<void> {
    if (this.#sessions.get(state.id) !== state) return;
    this.#sessions.delete(state.id);
    this.#report(state.kind);
    state.standalone.close();
    for (const stream of state.streams.values()) stream.close();
    await state.session.close();
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#sweep);
    await Promise.all([...this.#sessions.values()].map((state) => this.close(state)));
  }
}
