import type { Logger } from '@switchboard/shared';
import type { Identity } from '../identity/identity.ts';
import { isResponse, type JsonRpcMessage, type JsonRpcResponse } from '../json-rpc.ts';
import type { ToolInvoker } from '../pipeline/invocation.ts';
import type { ToolListing } from '../upstream/catalogue.ts';
import { ClientSession } from './client-session.ts';
import type { FederationView } from './federation-view.ts';
import type { MessageSink } from './session-relay.ts';

export type { ToolDescription, ToolInvocation, ToolInvoker } from '../pipeline/invocation.ts';

export interface InvokerHost {
  federation: FederationView;
  separator(): string;
  lookupTool(name: string): ToolListing | undefined;
  namespaces(): string[];
  /** The identity a run's submitter id stands for now, or undefined when it is not known (the call is refused). */
  resolveCaller(id: string): Promise<Identity | undefined>;
}

/** The internal session's own identity: it holds no role, so nothing runs unless a call names who it acts for. */
const INVOKER_IDENTITY: Identity = Object.freeze({ id: 'orchestrator', kind: 'internal' });

function abortError(): Error {
  const error = new Error('the call was cancelled');
  error.name = 'AbortError';
  return error;
}

function rpcErrorResult(response: JsonRpcResponse): Record<string, unknown> {
  const error = response.error ?? { code: -32603, message: 'no result' };
  const data = (error.data ?? {}) as { code?: string; retryable?: boolean };
  const code = typeof data.code === 'string' ? data.code : error.code === -32602 ? 'INVALID_ARGUMENT' : 'INTERNAL';
  const payload = { code, message: error.message, retryable: data.retryable === true };
  return {
    isError: true,
    content: [{ type: 'text', text: `${code}: ${error.message}` }],
    structuredContent: { error: payload },
  };
}

/**
 * The invoker over an internal client session of the federation (created on first use): each workflow step enters
 * the same call pipeline as a client's call, carrying the run submitter's identity (resolved again for every step,
 * so the policy in force decides) and, for gateway approvals, the run's watching client.
 */
export function createToolInvoker(host: InvokerHost, log: Logger): ToolInvoker {
  const progress = new Map<string, NonNullable<Parameters<ToolInvoker['callTool']>[0]['onProgress']>>();
  const sink: MessageSink = {
    send(message: JsonRpcMessage) {
      if (isResponse(message) || !('method' in message) || message.method !== 'notifications/progress') return;
      const params = message.params as { progressToken?: unknown; progress?: number; total?: number; message?: string };
      progress.get(String(params.progressToken))?.(params.progress ?? 0, params.total, params.message);
    },
  };
  let session: ClientSession | undefined;
  let next = 1;
  const internal = (): ClientSession => {
    if (!session || session.closed) {
      session = new ClientSession({ federation: host.federation, identity: INVOKER_IDENTITY, sink, log });
      session.initialized = true;
    }
    return session;
  };

  return {
    async callTool(call) {
      if (call.signal?.aborted) throw abortError();
      // An id nobody knows acts as an identity no binding matches: the pipeline refuses and audits the call.
      const identity = (await host.resolveCaller(call.caller)) ?? Object.freeze({ id: call.caller, kind: 'internal' as const });
      const client = internal();
      const id = `invoke-${next++}`;
      const meta: Record<string, unknown> = { ...call.meta };
      if (call.onProgress) {
        meta.progressToken = id;
        progress.set(id, call.onProgress);
      }
      const carrier = { correlationId: call.correlationId ?? id, identity, elicit: call.elicit };
      const onAbort = () =>
        void client.handle(
          { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'workflow cancelled' } },
          carrier,
        );
      call.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const response = await client.handle(
          {
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: { name: `${call.service}${host.separator()}${call.tool}`, arguments: call.arguments, _meta: meta },
          },
          carrier,
        );
        if (call.signal?.aborted || response === undefined) throw abortError();
        return response.error ? rpcErrorResult(response) : (response.result ?? {});
      } finally {
        call.signal?.removeEventListener('abort', onAbort);
        progress.delete(id);
      }
    },
    describeTool(service, tool) {
      const listing = host.lookupTool(`${service}${host.separator()}${tool}`);
      if (!listing) return undefined;
      return {
        service,
        tool,
        inputSchema: (listing.inputSchema as Record<string, unknown> | undefined) ?? { type: 'object' },
        ...(listing.outputSchema ? { outputSchema: listing.outputSchema as Record<string, unknown> } : {}),
        ...(listing.annotations ? { annotations: listing.annotations } : {}),
      };
    },
    namespaces: () => host.namespaces(),
  };
}
