import type { Logger, ToolError } from '@switchboard/shared';
import { errorMessage, type JsonRpcRequest, type JsonRpcResponse, RPC, resultMessage } from '../json-rpc.ts';
import { UpstreamUnavailableError } from '../upstream/upstream.ts';
import { RequestAbortedError } from '../upstream/upstream-session.ts';
import { approve } from './approve.ts';
import { auditCall } from './audit.ts';
import { authorize } from './authorize.ts';
import { errorResultFor, toToolError } from './errors.ts';
import { forward } from './forward.ts';
import { identify } from './identify.ts';
import { pinCheck } from './pin-check.ts';
import { resolveTool } from './route.ts';
import { type Carrier, type PipelineHost, type PipelineSession, ToolCall } from './tool-call.ts';

/** Loggers per session and proxied tool, their fixed fields serialised once (a line per call is on the hot path). */
const toolLogs = new WeakMap<PipelineSession, Map<string, Logger>>();

function toolLog(call: ToolCall): Logger {
  const { session, target } = call;
  let logs = toolLogs.get(session);
  if (!logs) {
    logs = new Map();
    toolLogs.set(session, logs);
  }
  const key = `${target.namespace}\u0000${target.tool}\u0000${call.identity.id}`;
  let log = logs.get(key);
  if (!log) {
    log = session.log.child({ namespace: target.namespace, tool: target.tool, caller: call.identity.id });
    if (logs.size >= 256) logs.clear();
    logs.set(key, log);
  }
  return log;
}

/**
 * The one path every tools/call takes, from `/mcp`, `/mcp/<namespace>`, stdio, legacy SSE and workflow steps alike:
 * identify → authorize → approve → pin check → audit → route → forward. The route lookup runs first (the stages need
 * to know what is being called); a stage that refuses ends the call there with an `isError` result carrying its
 * code, which is counted, logged and audited like any outcome, and the upstream never hears of it.
 */
export async function callTool(
  session: PipelineSession,
  host: PipelineHost,
  request: JsonRpcRequest,
  carrier: Carrier,
): Promise<JsonRpcResponse> {
  const name = (request.params as { name?: unknown } | undefined)?.name;
  const target = typeof name === 'string' ? resolveTool(session, host, name) : undefined;
  if (!target) return errorMessage(request.id, RPC.invalidParams, `Unknown tool: ${String(name)}`);
  const call = new ToolCall(session, host, request, carrier, target);
  identify(call);
  let refusal = authorize(call);
  if (!refusal) {
    const asked = approve(call);
    if (asked) refusal = await asked;
  }
  refusal ??= pinCheck(call);
  return target.kind === 'local' ? local(call, refusal) : proxied(call, refusal);
}

async function local(call: ToolCall, refusal: ToolError | undefined): Promise<JsonRpcResponse> {
  const { target, request, host } = call;
  if (target.kind !== 'local') throw new Error('not a local tool');
  if (refusal) {
    host.kitMetrics.toolCalls.inc({ service: 'orchestrator', tool: target.tool, outcome: refusal.code.toLowerCase() });
    auditCall(call, refusal.code.toLowerCase());
    return resultMessage(request.id, errorResultFor(target.listing.outputSchema, refusal));
  }
  let outcome = 'success';
  try {
    const response = await call.session.callLocal(request, target.local, call);
    const result = response.result as { isError?: boolean; structuredContent?: { error?: { code?: string } } } | undefined;
    if (response.error) outcome = 'rpc_error';
    else if (result?.isError) outcome = String(result.structuredContent?.error?.code ?? 'tool_error').toLowerCase();
    return response;
  } catch (error) {
    outcome = 'internal';
    throw error;
  } finally {
    auditCall(call, outcome);
  }
}

async function proxied(call: ToolCall, refusal: ToolError | undefined): Promise<JsonRpcResponse> {
  const { target, request, host, session } = call;
  if (target.kind !== 'upstream') throw new Error('not an upstream tool');
  const { upstream } = target;
  let outcome = 'success';
  let response: JsonRpcResponse;
  try {
    if (refusal) throw refusal;
    const annotations = target.listing.annotations;
    response = await forward(session, host, upstream, request, call.params, call.carrier, {
      timeoutMs: upstream.config.timeouts.tools[target.tool] ?? upstream.config.timeouts.callMs,
      retryable: annotations?.readOnlyHint === true || annotations?.idempotentHint === true,
      tool: target.tool,
    });
    if (response.error) outcome = 'rpc_error';
    else if (response.result?.isError === true) outcome = 'tool_error';
  } catch (error) {
    if (error instanceof RequestAbortedError) {
      outcome = 'cancelled';
      throw error;
    }
    const toolError = toToolError(error, session.log, upstream.name);
    if (!(error instanceof UpstreamUnavailableError) && error !== refusal) upstream.lastError = toolError.message;
    outcome = toolError.code.toLowerCase();
    response = resultMessage(request.id, errorResultFor(target.listing.outputSchema, toolError));
  } finally {
    const seconds = (performance.now() - call.started) / 1000;
    host.metrics.record(upstream.namespace, target.tool, outcome, seconds);
    toolLog(call).info(
      { outcome, duration_ms: Math.round(seconds * 1000), correlation_id: call.carrier.correlationId },
      'proxied call finished',
    );
    auditCall(call, outcome);
  }
  return response;
}
