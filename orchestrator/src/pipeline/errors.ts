import { acceptsErrorEnvelope, errorResult, type Logger, ToolError } from '@switchboard/shared';
import { TransportError } from '../upstream/transport.ts';
import { UpstreamUnavailableError } from '../upstream/upstream.ts';
import { UpstreamTimeoutError } from '../upstream/upstream-session.ts';

/**
 * An error result the client can accept: with `structuredContent.error` when the tool's output schema admits
 * the error envelope (ours do), else with the same payload in `_meta`, since clients validate structuredContent
 * against the schema even on errors.
 */
export function errorResultFor(outputSchema: unknown, error: ToolError): Record<string, unknown> {
  const result = errorResult(error) as Record<string, unknown>;
  if (acceptsErrorEnvelope(outputSchema)) return result;
  const { structuredContent, ...rest } = result;
  return { ...rest, _meta: { 'io.switchboard/error': (structuredContent as { error: unknown }).error } };
}

/** The client-facing error for a failure; transport failures and timeouts name the upstream when known. */
export function toToolError(error: unknown, log: Logger, upstream?: string): ToolError {
  if (error instanceof ToolError) return error;
  if (error instanceof UpstreamUnavailableError) {
    return new ToolError('UPSTREAM_UNAVAILABLE', error.message, { details: { since: error.since.toISOString() } });
  }
  const where = upstream ? `${upstream}: ` : '';
  if (error instanceof UpstreamTimeoutError)
    return new ToolError('UPSTREAM_TIMEOUT', `${where}${error.message}`, { details: { timeoutMs: error.timeoutMs } });
  if (error instanceof TransportError) return new ToolError('UPSTREAM_UNAVAILABLE', `${where}${error.message}`);
  log.error({ err: error }, 'proxy failure');
  return new ToolError('INTERNAL', 'the orchestrator failed to route the call');
}
