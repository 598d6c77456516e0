import type { ToolListing } from '../upstream/catalogue.ts';
import type { ElicitFn } from './tool-call.ts';

/** One federated tool call made by the orchestrator itself (a workflow step). */
export interface ToolInvocation {
  /** The namespace (`cmdb`, `linux`, `orchestrator`). */
  service: string;
  /** The tool's own name, un-prefixed. */
  tool: string;
  arguments: Record<string, unknown>;
  /**
   * Who the call acts for: the caller id of the run's submitter. The policy in force decides what it may call, as if
   * the submitter called it; an id the orchestrator does not know is refused (PERMISSION_DENIED).
   */
  caller: string;
  /** Sent to the upstream as `_meta` (idempotency keys and such); the correlation id is added. */
  meta?: Record<string, unknown>;
  correlationId?: string;
  /** Aborting sends `notifications/cancelled` upstream; the promise then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Progress notifications the upstream sends for this call. */
  onProgress?: (progress: number, total: number | undefined, message: string | undefined) => void;
  /** Where a gateway approval prompt for this call goes (the run's watching client); without it such calls are refused. */
  elicit?: ElicitFn;
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
 * Calls federated tools from inside the orchestrator through the same pipeline a client's call takes (identify,
 * authorize, approve, pin check, audit, route, forward: timeouts, retries of safe calls only, circuit breaker,
 * metrics, correlation id), as an internal client acting for the run's submitter.
 */
export interface ToolInvoker {
  /**
   * Resolves to the MCP CallToolResult. Failures are results too: `isError: true` with `structuredContent.error`
   * or `_meta['io.switchboard/error']` = `{ code, message, retryable }` (UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT,
   * PERMISSION_DENIED, TOOL_CHANGED, the tool's own code, or NOT_FOUND for an unknown tool). Rejects only when
   * `signal` aborts (AbortError).
   */
  callTool(call: ToolInvocation): Promise<Record<string, unknown>>;
  /** The tool as the registry lists it now, or undefined when the federation has no such tool. */
  describeTool(service: string, tool: string): ToolDescription | undefined;
  /** Configured namespaces (up or not), plus `orchestrator`. */
  namespaces(): string[];
}
