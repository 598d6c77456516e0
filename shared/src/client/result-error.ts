import { ERROR_CATALOGUE, isErrorCode, ToolError } from '../errors.ts';

/** What a tool error result carries: `structuredContent.error`, or `_meta["io.switchboard/error"]` (see errorResult). */
interface ErrorEnvelope {
  code?: unknown;
  message?: unknown;
  retryable?: unknown;
  details?: unknown;
}

function textOf(result: { content?: unknown }): string {
  const content = Array.isArray(result.content) ? result.content : [];
  return content
    .filter((c): c is { type: 'text'; text: string } => c?.type === 'text' && typeof c.text === 'string')
    .map((c) => c.text)
    .join('\n')
    .slice(0, 2000);
}

/**
 * The ToolError a tool error result stands for, as the service that returned it meant it: the same code,
 * retryability and details (plus `service` and `tool`), the message prefixed with `<service>.<tool>: `. A result
 * without a catalogue code (a third-party server) is UPSTREAM_ERROR carrying its text.
 */
export function toolErrorFromResult(
  result: { isError?: unknown; structuredContent?: unknown; _meta?: unknown; content?: unknown },
  where: { service: string; tool: string },
): ToolError {
  const structured = (result.structuredContent as { error?: ErrorEnvelope } | undefined)?.error;
  const meta = (result._meta as Record<string, ErrorEnvelope> | undefined)?.['io.switchboard/error'];
  const envelope = structured ?? meta;
  const prefix = `${where.service}.${where.tool}: `;
  const details = { service: where.service, tool: where.tool };
  if (envelope && isErrorCode(envelope.code)) {
    const extra = envelope.details && typeof envelope.details === 'object' ? (envelope.details as Record<string, unknown>) : {};
    return new ToolError(envelope.code, `${prefix}${String(envelope.message ?? envelope.code)}`, {
      retryable: typeof envelope.retryable === 'boolean' ? envelope.retryable : ERROR_CATALOGUE[envelope.code].retryable,
      details: { ...extra, ...details },
    });
  }
  return new ToolError('UPSTREAM_ERROR', `${prefix}${textOf(result) || 'the tool failed without a message'}`, { details });
}
