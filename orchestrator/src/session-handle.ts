import type { ClientLogLevel } from '@switchboard/shared';
import type { JsonRpcNotification } from './json-rpc.ts';
import type { ClientLink, Upstream } from './upstream/upstream.ts';

/**
 * A downstream client session as the federation keeps it: what it needs to tell the session (list_changed, messages
 * of a shared upstream) and to clean up after it. The downstream side implements it; the federation knows nothing
 * of endpoints.
 */
export interface SessionHandle extends ClientLink {
  /** Set for `/mcp/<namespace>`: the session sees that one upstream. */
  readonly namespace: string | undefined;
  readonly logLevel: ClientLogLevel | undefined;
  /** Resource URIs (as the client knows them) the session subscribed to. */
  readonly subscriptions: ReadonlySet<string>;
  /** Sends a notification to the client (list_changed and the like). */
  notify(method: string, params?: Record<string, unknown>): void;
  /** A notification from a shared upstream session, for the sessions it concerns. */
  fromSharedUpstream(upstream: Upstream, message: JsonRpcNotification): void;
  close(): Promise<void>;
}
