import { typeOfCode, WorkflowError } from './errors.ts';

interface ErrorPayload {
  code?: unknown;
  message?: unknown;
}

function textOf(result: Record<string, unknown>): string {
  const content = Array.isArray(result.content) ? (result.content as { type?: string; text?: string }[]) : [];
  return content
    .filter((c) => c.type === 'text' && typeof c.text === 'string')
    .map((c) => c.text)
    .join('\n');
}

/**
 * A step's output from a CallToolResult: its structuredContent, or for a tool without one `{ text, content }`.
 * An `isError` result becomes a WorkflowError named after the error code (transport, timeout, validation, tool).
 */
export function outputOf(result: Record<string, unknown>, what: string): unknown {
  if (result.isError === true) {
    const structured = (result.structuredContent as { error?: ErrorPayload } | undefined)?.error;
    const meta = (result._meta as Record<string, ErrorPayload> | undefined)?.['io.switchboard/error'];
    const payload = structured ?? meta ?? {};
    const code = typeof payload.code === 'string' ? payload.code : undefined;
    const message = typeof payload.message === 'string' ? payload.message : textOf(result) || 'the tool failed';
    throw new WorkflowError(typeOfCode(code), `${what}: ${message}`, { code });
  }
  const structured = result.structuredContent;
  if (structured !== null && typeof structured === 'object') return structured;
  return { text: textOf(result), content: result.content ?? [] };
}
