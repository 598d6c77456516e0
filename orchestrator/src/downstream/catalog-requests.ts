import { type ClientLogLevel, ToolError } from '@switchboard/shared';
import { errorMessage, type JsonRpcRequest, type JsonRpcResponse, RPC, resultMessage } from '../json-rpc.ts';
import { forward } from '../pipeline/forward.ts';
import type { Carrier, PipelineSession } from '../pipeline/tool-call.ts';
import type { Upstream } from '../upstream/upstream.ts';
import type { UpstreamSession } from '../upstream/upstream-session.ts';
import type { FederationView } from './federation-view.ts';
import { LEVELS } from './session-relay.ts';

/** The session state prompts, resources, completions and log levels use (ClientSession). */
export interface CatalogSession extends PipelineSession {
  readonly subscriptions: Set<string>;
  logLevel: ClientLogLevel | undefined;
  /** The upstream of a `/mcp/<namespace>` session. */
  pinned(): Upstream;
}

type Use = 'prompts' | 'resources' | 'methods';

/**
 * The policy for what is not a tool call: a namespace's prompts and resources need a grant of them; other methods
 * forwarded to an upstream as they are (`/mcp/<namespace>` passes unknown methods through) need an admin's grant.
 * A refusal is audited as a denial and answered with PERMISSION_DENIED.
 */
export function checkUse(
  session: PipelineSession,
  federation: FederationView,
  carrier: Carrier,
  namespace: string,
  use: Use,
  what: string,
): void {
  const identity = carrier.identity ?? session.identity;
  const access = federation.gateway.policy.accessOf(identity);
  const allowed =
    use === 'prompts'
      ? access.mayUsePrompts(namespace)
      : use === 'resources'
        ? access.mayUseResources(namespace)
        : access.classOn(namespace) === 'admin';
  if (allowed) return;
  federation.gateway.audit.record({
    type: 'denial',
    caller: identity.id,
    callerKind: identity.kind,
    roles: access.rolesText,
    namespace,
    outcome: 'permission_denied',
    correlationId: carrier.correlationId,
    detail: { request: what },
  });
  throw new ToolError(
    'PERMISSION_DENIED',
    `${identity.id} may not use ${what} of ${namespace} (roles: ${access.rolesText || 'none'})`,
    {
      details: { namespace, request: what },
    },
  );
}

export async function routePrompt(
  session: CatalogSession,
  federation: FederationView,
  request: JsonRpcRequest,
  carrier: Carrier,
): Promise<JsonRpcResponse> {
  const name = String((request.params as { name?: unknown } | undefined)?.name ?? '');
  if (session.namespace) {
    checkUse(session, federation, carrier, session.namespace, 'prompts', `prompt ${name}`);
    return forward(session, federation, session.pinned(), request, request.params ?? {}, carrier);
  }
  const route = federation.registry.prompts.get(name);
  if (!route) return errorMessage(request.id, RPC.invalidParams, `Unknown prompt: ${name}`);
  checkUse(session, federation, carrier, route.upstream.namespace, 'prompts', `prompt ${route.name}`);
  return forward(session, federation, route.upstream, request, { ...request.params, name: route.name }, carrier);
}

function resolveUri(
  session: CatalogSession,
  federation: FederationView,
  uri: string,
): { upstream: Upstream; uri: string } | undefined {
  if (session.namespace) return { upstream: session.pinned(), uri };
  return federation.registry.resolveUri(uri);
}

export async function routeResource(
  session: CatalogSession,
  federation: FederationView,
  request: JsonRpcRequest,
  carrier: Carrier,
): Promise<JsonRpcResponse> {
  const uri = String((request.params as { uri?: unknown } | undefined)?.uri ?? '');
  const route = resolveUri(session, federation, uri);
  if (!route) return errorMessage(request.id, RPC.resourceNotFound, `Resource not found: ${uri}`, { uri });
  checkUse(session, federation, carrier, route.upstream.namespace, 'resources', `resource ${uri}`);
  const response = await forward(session, federation, route.upstream, request, { ...request.params, uri: route.uri }, carrier);
  if (session.namespace || !response.result) return response;
  const contents = (response.result.contents as { uri?: string }[] | undefined)?.map((c) =>
    c.uri ? { ...c, uri: federation.registry.exposeUri(route.upstream, c.uri) } : c,
  );
  return contents ? resultMessage(request.id, { ...response.result, contents }) : response;
}

export async function subscribe(
  session: CatalogSession,
  federation: FederationView,
  request: JsonRpcRequest,
  carrier: Carrier,
): Promise<JsonRpcResponse> {
  const uri = String((request.params as { uri?: unknown } | undefined)?.uri ?? '');
  const route = resolveUri(session, federation, uri);
  if (!route) return errorMessage(request.id, RPC.resourceNotFound, `Resource not found: ${uri}`, { uri });
  const subscribing = request.method === 'resources/subscribe';
  if (subscribing) checkUse(session, federation, carrier, route.upstream.namespace, 'resources', `resource ${uri}`);
  if (subscribing) session.subscriptions.add(uri);
  else session.subscriptions.delete(uri);
  if (route.upstream.isShared) {
    await federation.sharedSubscription(route.upstream, route.uri, subscribing);
    return resultMessage(request.id, {});
  }
  return forward(session, federation, route.upstream, request, { ...request.params, uri: route.uri }, carrier);
}

export async function complete(
  session: CatalogSession,
  federation: FederationView,
  request: JsonRpcRequest,
  carrier: Carrier,
): Promise<JsonRpcResponse> {
  const params = (request.params ?? {}) as { ref?: { type?: string; name?: string; uri?: string } };
  const ref = params.ref ?? {};
  const use: Use = ref.type === 'ref/prompt' ? 'prompts' : 'resources';
  if (session.namespace) {
    checkUse(session, federation, carrier, session.namespace, use, 'completions');
    return forward(session, federation, session.pinned(), request, params, carrier);
  }
  if (ref.type === 'ref/prompt') {
    const route = federation.registry.prompts.get(String(ref.name));
    if (!route) return errorMessage(request.id, RPC.invalidParams, `Unknown prompt: ${ref.name}`);
    checkUse(session, federation, carrier, route.upstream.namespace, 'prompts', 'completions');
    return forward(session, federation, route.upstream, request, { ...params, ref: { ...ref, name: route.name } }, carrier);
  }
  const template = federation.registry.templates.get(String(ref.uri));
  const route = template
    ? { upstream: template.upstream, uri: template.uriTemplate }
    : resolveUri(session, federation, String(ref.uri));
  if (!route) return errorMessage(request.id, RPC.invalidParams, `Unknown resource reference: ${ref.uri}`);
  checkUse(session, federation, carrier, route.upstream.namespace, 'resources', 'completions');
  return forward(session, federation, route.upstream, request, { ...params, ref: { ...ref, uri: route.uri } }, carrier);
}

/** The upstream sessions opened for this client (per-client mode; shared ones follow onLogLevel). */
export async function toMySessions(
  session: CatalogSession,
  federation: FederationView,
  action: (upstreamSession: UpstreamSession) => Promise<void>,
): Promise<void> {
  const upstreams = session.namespace ? [session.pinned()] : federation.upstreams();
  const sessions = (await Promise.all(upstreams.filter((u) => !u.isShared).map((u) => u.openSessionsOf(session)))).flat();
  await Promise.all(sessions.map((s) => action(s).catch(() => {})));
}

export async function setLevel(
  session: CatalogSession,
  federation: FederationView,
  request: JsonRpcRequest,
): Promise<JsonRpcResponse> {
  const level = (request.params as { level?: ClientLogLevel } | undefined)?.level;
  if (!level || !LEVELS.includes(level)) return errorMessage(request.id, RPC.invalidParams, `invalid level ${String(level)}`);
  session.logLevel = level;
  await toMySessions(session, federation, (s) => s.request('logging/setLevel', { level }, { timeoutMs: 5000 }).then(() => {}));
  federation.onLogLevel();
  return resultMessage(request.id, {});
}
