import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { ToolContext } from '../context.ts';
import { type ErrorCode, errorPayload, ToolError } from '../errors.ts';
import { capValue } from '../output/cap.ts';
import type { CompiledTool } from './compile.ts';
import { redactResult } from './disclosure.ts';

export interface ToolCallEnvironment {
  outputCapBytes: number;
  readOnly: boolean;
  serviceName: string;
  /** Set when the configuration turned the tool off (ToolDefinition.enabled): the call is refused saying it. */
  disabledReason?: string | undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(arguments)'}: ${issue.message}`)
    .join('; ');
}

export function errorResult(error: ToolError): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
    structuredContent: { error: errorPayload(error) },
  };
}

function successResult(value: unknown, tool: CompiledTool, capBytes: number): CallToolResult {
  const capped = capValue(value, capBytes);
  if (capped.truncated && capped.bytes > capBytes) {
    throw new ToolError(
      'OUTPUT_TOO_LARGE',
      `the result is ${capped.originalBytes} bytes and cannot be reduced under the ${capBytes}-byte cap; ${
        tool.definition.truncationHint ?? 'narrow the request'
      }`,
    );
  }
  let text = JSON.stringify(capped.value);
  const result: CallToolResult = { content: [], structuredContent: capped.value as Record<string, unknown> };
  if (capped.truncated) {
    const hint = tool.definition.truncationHint ?? 'narrow the request (limit, fields, filters) or page with cursor';
    text += `\n[output truncated: the full result was ${capped.originalBytes} bytes, over the ${capBytes}-byte cap; ${hint}]`;
    result._meta = { 'io.switchboard/truncated': { originalBytes: capped.originalBytes, capBytes } };
  }
  result.content = [{ type: 'text', text }];
  return result;
}

export interface ToolCallOutcome {
  result: CallToolResult;
  /** `success`, `cancelled`, or the error code in lower case: the metric label. */
  outcome: string;
  /** False when the call was refused before the handler ran (read-only mode, invalid input). */
  handled: boolean;
  /** The error's message, for an error. */
  message?: string;
}

/**
 * The call pipeline every tool goes through: the gates (read-only mode, turned off by configuration), input
 * validation, the handler, output validation, redaction (but for the fields the tool discloses) and the output cap. A ToolError becomes an `isError` result with its code; anything else becomes
 * INTERNAL with the details in the log only.
 */
export async function runToolCall(
  tool: CompiledTool,
  rawArgs: unknown,
  ctx: ToolContext,
  env: ToolCallEnvironment,
): Promise<ToolCallOutcome> {
  const definition = tool.definition;
  let handled = false;
  try {
    if (env.readOnly && !definition.annotations.readOnlyHint) {
      throw new ToolError(
        'READ_ONLY',
        `${env.serviceName} runs in read-only mode; ${definition.name} changes state and is refused`,
      );
    }
    if (env.disabledReason !== undefined) {
      throw new ToolError('PERMISSION_DENIED', `${definition.name} is turned off in this deployment: ${env.disabledReason}`, {
        details: { reason: 'disabled' },
      });
    }
    const args = tool.input.safeParse(rawArgs ?? {});
    if (!args.success) {
      throw new ToolError('INVALID_ARGUMENT', `invalid arguments for ${definition.name}: ${describeIssues(args.error)}`);
    }
    handled = true;
    const output = await definition.handler(args.data, ctx);
    if (ctx.signal.aborted) throw new ToolError('CANCELLED', 'the call was cancelled');
    const checked = definition.output.safeParse(output);
    if (!checked.success) {
      ctx.log.error({ issues: checked.error.issues }, 'tool output does not match its output schema');
      throw new ToolError('INTERNAL', `${definition.name} produced an invalid result (correlation id ${ctx.correlationId})`);
    }
    return {
      result: successResult(redactResult(ctx.redactor, checked.data, definition.discloses), tool, env.outputCapBytes),
      outcome: 'success',
      handled,
    };
  } catch (error) {
    let toolError: ToolError;
    if (error instanceof ToolError) {
      toolError = new ToolError(error.code, ctx.redactor.redactString(error.message), {
        retryable: error.retryable,
        ...(error.details ? { details: ctx.redactor.redact(error.details) } : {}),
      });
    } else if (ctx.signal.aborted) {
      toolError = new ToolError('CANCELLED', 'the call was cancelled');
    } else {
      ctx.log.error({ err: error }, 'tool failed with an unexpected error');
      toolError = new ToolError('INTERNAL', `${definition.name} failed unexpectedly (correlation id ${ctx.correlationId})`);
    }
    const code: ErrorCode = toolError.code;
    return {
      result: errorResult(toolError),
      outcome: code === 'CANCELLED' ? 'cancelled' : code.toLowerCase(),
      handled,
      message: toolError.message,
    };
  }
}
