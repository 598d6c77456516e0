import {
  type CompiledTool,
  createIdempotent,
  type ElicitationAnswer,
  type ElicitationForm,
  runToolCall,
  type ToolContext,
  ToolError,
} from '@switchboard/shared';
import { callerOf } from '../identity/identity.ts';
import { type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse, type RequestId, resultMessage } from '../json-rpc.ts';
import type { ToolCall } from '../pipeline/tool-call.ts';
import { CancelToken } from '../upstream/cancel-token.ts';
import type { FederationView } from './federation-view.ts';
import { LEVELS } from './session-relay.ts';

/** The session a local call runs for (ClientSession). */
export interface LocalCallSession {
  readonly capabilities: Record<string, unknown>;
  readonly logLevel: string | undefined;
  readonly calls: ToolCall['session']['calls'];
  readonly log: ToolCall['session']['log'];
  send(message: JsonRpcMessage, related?: RequestId): void;
  ask(method: string, params: Record<string, unknown>, related: RequestId | undefined): Promise<JsonRpcResponse>;
}

/**
 * Why the caller of this call may not call `service.tool` under the policy in force (undefined: it may). Workflow
 * validation asks it of every step, since a run acts with its submitter's roles.
 */
function permissionOf(call: ToolCall, federation: FederationView) {
  return (service: string, tool: string): string | undefined => {
    const route = federation.registry.tools.get(`${service}${federation.config.separator}${tool}`);
    if (!route || !call.access) return undefined;
    const ref = { namespace: service, tool, listing: route.listing };
    return call.access.mayCallTool(ref)
      ? undefined
      : `${call.identity.id} may not call ${service}.${tool} (${call.access.denialOf(ref)})`;
  };
}

/** Runs one of the orchestrator's own tools (listServices, the workflow and gateway tools) for a call. */
export async function runLocalTool(
  session: LocalCallSession,
  federation: FederationView,
  request: JsonRpcRequest,
  tool: CompiledTool,
  call: ToolCall,
): Promise<JsonRpcResponse> {
  const params = request.params as { arguments?: unknown; _meta?: Record<string, unknown>; task?: { ttl?: number } };
  const meta = params._meta ?? {};
  // A run acts as its submitter after a restart too: an OAuth caller's claims are kept for that.
  federation.gateway.identities.remember(call.identity);
  const controller = new AbortController();
  const ctx = localContext(session, federation, request, tool, call, meta, controller.signal);
  const tasks = federation.tasks;
  const taskSupport = (tool.listing as { execution?: { taskSupport?: string } }).execution?.taskSupport;
  if (params.task && tasks && (taskSupport === 'optional' || taskSupport === 'required')) {
    return resultMessage(request.id, await tasks.createTask({ tool, arguments: params.arguments, task: params.task, meta, ctx }));
  }
  const token = new CancelToken();
  token.onAbort(() => controller.abort(token.reason));
  session.calls.set(request.id, token);
  try {
    const { result, outcome } = await federation.inFlight.run(controller, () =>
      runToolCall(tool, params.arguments, ctx, {
        outputCapBytes: federation.config.outputCapBytes,
        readOnly: false,
        serviceName: 'orchestrator',
      }),
    );
    federation.kitMetrics.toolCalls.inc({ service: 'orchestrator', tool: tool.definition.name, outcome });
    return resultMessage(request.id, result as Record<string, unknown>);
  } finally {
    session.calls.delete(request.id);
  }
}

/** The context of a local tool call: progress and logs on the request's stream, elicitation to this client. */
function localContext(
  session: LocalCallSession,
  federation: FederationView,
  request: JsonRpcRequest,
  tool: CompiledTool,
  call: ToolCall,
  meta: Record<string, unknown>,
  signal: AbortSignal,
): ToolContext {
  const correlationId = call.carrier.correlationId;
  const progressToken = meta.progressToken as RequestId | undefined;
  const caller = callerOf(call.identity);
  const log = session.log.child({ tool: tool.definition.name, correlation_id: correlationId, caller: caller.id });
  const canElicit = session.capabilities.elicitation !== undefined;
  return {
    config: federation.config,
    clients: { ...federation.localClients, permission: permissionOf(call, federation) },
    log,
    caller,
    correlationId,
    signal,
    redactor: federation.redactor,
    meta,
    progress: async (progress, total, message) => {
      if (progressToken === undefined) return;
      session.send(
        {
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: {
            progressToken,
            progress,
            ...(total !== undefined ? { total } : {}),
            ...(message !== undefined ? { message: federation.redactor.redactString(message) } : {}),
          },
        },
        request.id,
      );
    },
    clientLog: async (level, data) => {
      if (session.logLevel && LEVELS.indexOf(level) >= LEVELS.indexOf(session.logLevel as (typeof LEVELS)[number])) {
        session.send(
          { jsonrpc: '2.0', method: 'notifications/message', params: { level, logger: 'orchestrator', data } },
          request.id,
        );
      }
    },
    canElicit,
    elicit: async (form: ElicitationForm): Promise<ElicitationAnswer> => {
      if (!canElicit) {
        throw new ToolError('APPROVAL_REQUIRED', 'the client cannot show an approval prompt (no elicitation capability)');
      }
      // A task's elicitation carries `_meta` (io.modelcontextprotocol/related-task), passed through as is.
      const extra = (form as { _meta?: Record<string, unknown> })._meta;
      const answer = await session.ask(
        'elicitation/create',
        { message: form.message, requestedSchema: form.requestedSchema, ...(extra ? { _meta: extra } : {}) },
        request.id,
      );
      if (answer.error) throw new ToolError('APPROVAL_REQUIRED', `the client could not answer: ${answer.error.message}`);
      const result = answer.result as { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> };
      return result.action === 'accept' ? { action: 'accept', content: result.content ?? {} } : { action: result.action };
    },
    idempotent: createIdempotent({
      store: federation.idempotency,
      service: 'orchestrator',
      tool: tool.definition.name,
      caller: caller.id,
      meta,
      args: params(request),
      signal,
      log,
      redactor: federation.redactor,
    }),
  };
}

function params(request: JsonRpcRequest): unknown {
  return (request.params as { arguments?: unknown } | undefined)?.arguments;
}
