import { writeCorrelationId } from '@switchboard/shared';
import {
  errorMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
  reidentified,
  resultMessage,
} from '../json-rpc.ts';
import { backoffDelay } from '../upstream/backoff.ts';
import { CancelToken, pause } from '../upstream/cancel-token.ts';
import { TransportError } from '../upstream/transport.ts';
import { type Upstream, UpstreamUnavailableError } from '../upstream/upstream.ts';
import { RequestAbortedError, type UpstreamSession } from '../upstream/upstream-session.ts';
import type { Carrier, PipelineHost, PipelineSession } from './tool-call.ts';

/** How one request is forwarded. */
export interface ForwardOptions {
  timeoutMs?: number;
  /** Transport failures may be retried even after the request left (a read-only or idempotent tool). */
  retryable?: boolean;
  /** The upstream's own name of the tool called (`params.name` as sent upstream). */
  tool?: string;
}

/**
 * Stage 7, forward: sends a client request to an upstream as raw JSON-RPC and returns the upstream's answer under
 * the client's id. Transport failures are retried with backoff only when safe: the request never left, or the tool
 * is read-only or idempotent. Timeouts and client cancellation cancel the upstream request. Used for tool calls
 * after the earlier stages and, as is, for the other requests a session forwards (prompts, resources, completions).
 */
export async function forward(
  session: PipelineSession,
  host: PipelineHost,
  upstream: Upstream,
  request: JsonRpcRequest,
  params: Record<string, unknown>,
  carrier: Carrier,
  options: ForwardOptions = {},
): Promise<JsonRpcResponse> {
  const token = new CancelToken();
  const inFlight = host.inFlight;
  session.calls.set(request.id, token);
  const ticket = inFlight.enter(token);
  try {
    return await attempts(session, upstream, request, params, carrier, options, token);
  } finally {
    inFlight.leave(ticket);
    session.calls.delete(request.id);
  }
}

async function attempts(
  session: PipelineSession,
  upstream: Upstream,
  request: JsonRpcRequest,
  params: Record<string, unknown>,
  carrier: Carrier,
  options: ForwardOptions,
  token: CancelToken,
): Promise<JsonRpcResponse> {
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  const clientToken = meta.progressToken as RequestId | undefined;
  const correlationId = carrier.correlationId;
  const timeoutMs = options.timeoutMs ?? upstream.config.timeouts.callMs;
  const headers: Record<string, string> = {};
  writeCorrelationId(correlationId, { headers });
  for (let attempt = 0; ; attempt++) {
    let upstreamSession: UpstreamSession;
    try {
      upstream.assertAvailable();
      upstreamSession = upstream.openSessionFor(session) ?? (await upstream.sessionFor(session));
    } catch (error) {
      // Nothing was sent yet. A session that cannot open, or a retry that finds the upstream reconnecting after a
      // restart, waits and tries again while attempts remain; a first attempt to a down upstream fails at once.
      const wait =
        (error instanceof TransportError || (attempt > 0 && error instanceof UpstreamUnavailableError)) &&
        attempt < upstream.config.retry.attempts;
      if (!wait) throw error;
      await pause(backoffDelay(attempt, upstream.config.retry.baseDelayMs, 5000), token);
      if (token.aborted) throw new RequestAbortedError();
      continue;
    }
    const id = upstreamSession.nextRequestId();
    const forwardedMeta: Record<string, unknown> = { ...meta };
    writeCorrelationId(correlationId, { meta: forwardedMeta });
    if (clientToken !== undefined) forwardedMeta.progressToken = id;
    else delete forwardedMeta.progressToken;
    const sent: Record<string, unknown> = { ...params, _meta: forwardedMeta };
    if (options.tool !== undefined) sent.name = options.tool;
    if (upstream.isShared) upstream.sharedInFlight.set(id, session);
    const started = performance.now();
    try {
      const response = await upstreamSession.request(
        request.method,
        sent,
        {
          timeoutMs,
          cancel: token,
          headers,
          onRelated: (message) => session.fromCall(upstream, upstreamSession, message, request.id, clientToken),
        },
        id,
      );
      upstream.breaker.success();
      upstream.recordLatency(performance.now() - started);
      // A tool result goes back as the upstream wrote it (only the id rewritten); other answers may be rewritten
      // on their way (URIs, names), so they are rebuilt.
      if (options.tool !== undefined) return reidentified(response, request.id);
      return response.error
        ? errorMessage(request.id, response.error.code, response.error.message, response.error.data)
        : resultMessage(request.id, response.result ?? {});
    } catch (error) {
      if (error instanceof RequestAbortedError) throw error;
      upstream.breaker.failure();
      const retry =
        error instanceof TransportError &&
        (error.notSent || options.retryable === true) &&
        attempt < upstream.config.retry.attempts;
      if (!retry) throw error;
      session.log.warn(
        { err: error, attempt: attempt + 1, tool: options.tool, correlation_id: correlationId },
        'retrying after a transport failure',
      );
      await pause(backoffDelay(attempt, upstream.config.retry.baseDelayMs, 5000), token);
      if (token.aborted) throw new RequestAbortedError();
    } finally {
      upstream.sharedInFlight.delete(id);
    }
  }
}
