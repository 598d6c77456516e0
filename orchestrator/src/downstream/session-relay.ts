import type { ClientLogLevel, Logger, ReleasingMap } from '@switchboard/shared';
import {
  errorMessage,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
  RPC,
  resultMessage,
} from '../json-rpc.ts';
import type { Registry } from '../registry/registry.ts';
import type { CancelToken } from '../upstream/cancel-token.ts';
import type { Upstream } from '../upstream/upstream.ts';
import type { UpstreamSession } from '../upstream/upstream-session.ts';

/** Where a session's outgoing messages go; `related` is the client request a message belongs to. */
export interface MessageSink {
  send(message: JsonRpcMessage, related?: RequestId): void;
}

/** The session state the relay reads. */
export interface RelayOwner {
  readonly namespace: string | undefined;
  readonly capabilities: Record<string, unknown>;
  readonly logLevel: ClientLogLevel | undefined;
  readonly subscriptions: ReadonlySet<string>;
  readonly calls: ReleasingMap<RequestId, CancelToken>;
  readonly closed: boolean;
  readonly log: Logger;
}

export const LEVELS: ClientLogLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const RELAY_TIMEOUT_MS = 10 * 60 * 1000;
const CAPABILITY_OF: Record<string, string> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/**
 * The downstream half of server-to-client traffic for one session: what an upstream sends in the course of a call
 * (progress, logs, elicitation, sampling, roots) goes to this client on the stream of the request it belongs to, the
 * client's answers go back up, and requests the orchestrator itself makes of the client (approval prompts) wait here.
 */
export class SessionRelay {
  readonly #owner: RelayOwner;
  readonly #sink: MessageSink;
  readonly #registry: () => Registry;
  readonly #relays = new Map<RequestId, { finish: (response: JsonRpcResponse) => void; upstreamId: RequestId | undefined }>();
  #nextId = 1;

  constructor(owner: RelayOwner, sink: MessageSink, registry: () => Registry) {
    this.#owner = owner;
    this.#sink = sink;
    this.#registry = registry;
  }

  /** The client answered one of our requests. */
  answer(response: JsonRpcResponse): void {
    this.#relays.get(response.id)?.finish(response);
  }

  /** A message the upstream sent in the course of one of our forwarded requests. */
  fromCall(
    upstream: Upstream,
    session: UpstreamSession,
    message: JsonRpcRequest | JsonRpcNotification,
    related: RequestId,
    clientToken: RequestId | undefined,
  ): void {
    if (message.method === 'notifications/progress') {
      if (clientToken === undefined) return;
      this.#sink.send({ ...message, params: { ...message.params, progressToken: clientToken } }, related);
      return;
    }
    if (isRequest(message)) {
      void this.#relayRequest(upstream, session, message, related);
      return;
    }
    this.fromUpstreamNotification(upstream, message, related);
  }

  /** A message from this client's own upstream session, not tied to a request. */
  fromUpstream(upstream: Upstream, session: UpstreamSession, message: JsonRpcRequest | JsonRpcNotification): void {
    if (isRequest(message)) void this.#relayRequest(upstream, session, message, undefined);
    else this.fromUpstreamNotification(upstream, message, undefined);
  }

  fromUpstreamNotification(upstream: Upstream, message: JsonRpcNotification, related: RequestId | undefined): void {
    const owner = this.#owner;
    switch (message.method) {
      case 'notifications/message': {
        const level = (message.params as { level?: ClientLogLevel } | undefined)?.level ?? 'info';
        if (owner.logLevel && LEVELS.indexOf(level) >= LEVELS.indexOf(owner.logLevel)) this.#sink.send(message, related);
        return;
      }
      case 'notifications/resources/updated': {
        const uri = String((message.params as { uri?: string } | undefined)?.uri ?? '');
        const exposed = owner.namespace ? uri : this.#registry().exposeUri(upstream, uri);
        if (owner.subscriptions.has(exposed))
          this.#sink.send({ ...message, params: { ...message.params, uri: exposed } }, related);
        return;
      }
      case 'notifications/cancelled': {
        const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        for (const [relayId, relay] of this.#relays) {
          if (relay.upstreamId === id) {
            this.#sink.send({ ...message, params: { ...message.params, requestId: relayId } }, related);
          }
        }
        return;
      }
      default:
        return;
    }
  }

  /**
   * Relays a server-to-client request (elicitation, sampling, roots) to this client under a new id, and the
   * client's answer back to the upstream under the upstream's id. A client without the capability is never asked.
   */
  async #relayRequest(
    upstream: Upstream,
    session: UpstreamSession,
    message: JsonRpcRequest,
    related: RequestId | undefined,
  ): Promise<void> {
    if (message.method === 'ping') {
      await session.respond(resultMessage(message.id, {})).catch(() => {});
      return;
    }
    const capability = CAPABILITY_OF[message.method];
    if (!capability || this.#owner.capabilities[capability] === undefined) {
      const reason = capability ? `the client does not support ${capability}` : `method ${message.method} is not relayed`;
      await session.respond(errorMessage(message.id, RPC.methodNotFound, reason)).catch(() => {});
      return;
    }
    const answer = await this.ask(message.method, message.params, related, message.id);
    await session
      .respond({ ...answer, id: message.id })
      .catch((error: Error) => this.#owner.log.warn({ err: error, upstream: upstream.name }, 'could not answer the upstream'));
  }

  /** Sends a request to the client and waits for its answer (or for the client to go away). */
  ask(
    method: string,
    params: Record<string, unknown> | undefined,
    related: RequestId | undefined,
    upstreamId?: RequestId,
  ): Promise<JsonRpcResponse> {
    const id = `sb-${this.#nextId++}`;
    return new Promise<JsonRpcResponse>((resolve) => {
      const timer = setTimeout(
        () => finish(errorMessage(id, RPC.requestTimeout, `the client did not answer ${method}`)),
        RELAY_TIMEOUT_MS,
      );
      let done = false;
      const finish = (response: JsonRpcResponse) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#relays.delete(id);
        resolve(response);
      };
      if (related !== undefined)
        this.#owner.calls.get(related)?.onAbort(() => finish(errorMessage(id, RPC.connectionClosed, 'the call was cancelled')));
      this.#relays.set(id, { finish, upstreamId });
      if (this.#owner.closed) finish(errorMessage(id, RPC.connectionClosed, 'the client session closed'));
      else this.#sink.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }, related);
    });
  }

  /** The session closed: every pending request is answered. */
  close(): void {
    for (const [id, relay] of [...this.#relays])
      relay.finish(errorMessage(id, RPC.connectionClosed, 'the client session closed'));
  }
}
