import { ToolError } from '@switchboard/shared';
import type { ToolCall } from './tool-call.ts';

/**
 * Stage 2, authorize: the caller's roles must grant the tool's namespace, name and class, and the caller must be
 * within its roles' rate limit. A refusal never reaches the upstream.
 */
export function authorize(call: ToolCall): ToolError | undefined {
  const { target, identity } = call;
  const access = call.access;
  const gateway = call.host.gateway;
  if (!access?.mayCallTool(target)) {
    const name = `${target.namespace}${call.host.config.separator}${target.tool}`;
    return new ToolError(
      'PERMISSION_DENIED',
      `${identity.id} may not call ${name} (${access?.denialOf(target) ?? 'no policy'})`,
      {
        details: { namespace: target.namespace, tool: target.tool, roles: access?.roles ?? [] },
      },
    );
  }
  const limit = access.rateLimitPerMinute;
  if (limit !== undefined) {
    const wait = gateway.limiter.take(identity.id, limit);
    if (wait > 0) {
      return new ToolError('RATE_LIMITED', `${identity.id} may make ${limit} tool calls per minute; retry after ${wait}s`, {
        details: { retryAfterSeconds: wait, limitPerMinute: limit },
      });
    }
  }
  return undefined;
}
