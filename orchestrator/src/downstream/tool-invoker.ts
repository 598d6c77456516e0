import type { Caller, Logger } from '@switchboard/shared';
import { isResponse, type JsonRpcMessage, type JsonRpcResponse } from '../json-rpc.ts';
import type { ToolListing } from '../upstream/catalogue.ts';
import type { ClientSession, MessageSink } from './client-session.ts';

/** One federated tool call made by the orchestrator itself (a workflow step). */
export interface ToolInvocation {
  /** The namespace (`cmdb`, `linux`, `orchestrator`). */
  service: string;
  /** The tool's own name, un-prefixed. */
  tool: string;
  arguments: Record<string, unknown>;
  /** Sent to the upstream as `_meta` (idempotency keys and such); the correlation id is added. */
  meta?: Record<string, unknown>;
  correlationId?: string;
  /** Aborting sends `notifications/cancelled` upstream; the promise then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Progress notifications the upstream sends for this call. */
  onProgress?: (progress: number, total: number | undefined, message: string | undefined) => void;
}

/** What a workflow validator needs to know about a federated tool. */
export interface ToolDescription {
  service: string;
  tool: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: ToolListing['annotations'];
}

/**
 * Calls federated tools from inside the orchestrator through the same path a client's call takes (routing,
 * timeouts, retries of safe calls only, circuit breaker, metrics, correlation id), as an internal client.
 */
export interface ToolInvoker {
  /**
   * Resolves to the MCP CallToolResult. Failures are results too: `isError: true` with `structuredContent.error`
   * or `_meta['io.switchboard/error']` = `{ code, message, retryable }` (UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT,
   * the tool's own code, or NOT_FOUND for an unknown tool). Rejects only when `signal` aborts (AbortError).
   */
  callTool(call: ToolInvocation): Promise<Record<string, unknown>>;
  /** The tool as the registry lists it now, or undefined when the federation has no such tool. */
  describeTool(service: string, tool: string): ToolDescription | undefined;
  /** Configured namespaces (up or not), plus `orchestrator`. */
  namespaces(): string[];
}

export interface InvokerHost {
  separator(): string;
  createSession(options: { caller: Caller; sink: MessageSink; log: Logger }): ClientSession;
  lookupTool(name: string): ToolListing | undefined;
  namespaces(): string[];
}

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

/** The invoker over an internal client session of the federation (created on first use). */
export function createToolInvoker(host: InvokerHost, log: Logger): ToolInvoker {
  const progress = new Map<string, NonNullable<ToolInvocation['onProgress']>>();
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
      session = host.createSession({ caller: { id: 'orchestrator', kind: 'local' }, sink, log });
      session.initialized = true;
    }
    return session;
  };

  return {
    async callTool(call) {
      if (call.signal?.aborted) throw abortError();
      const client = internal();
      const id = `invoke-${next++}`;
      const meta: Record<string, unknown> = { ...call.meta };
      if (call.onProgress) {
        meta.progressToken = id;
        progress.set(id, call.onProgress);
      }
      const onAbort = () =>
        void client.handle(
          { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'workflow cancelled' } },
          { correlationId: call.correlationId ?? id },
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
          { correlationId: call.correlationId ?? id },
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
