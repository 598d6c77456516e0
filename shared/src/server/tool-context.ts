import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  type Notification,
  type Request,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type {
  ClientLogLevel,
  ElicitationAnswer,
  ElicitationForm,
  RequestContext,
  SamplingRequest,
  ToolContext,
} from '../context.ts';
import { ToolError } from '../errors.ts';
import { createIdempotent } from '../idempotency/idempotent.ts';
import type { ServiceRuntime } from '../runtime/runtime.ts';
import { purposeOf } from '../secrets/secret-resolver.ts';

/** What the SDK's Server hands a request handler. */
type Extra = RequestHandlerExtra<ServerRequest | Request, ServerNotification | Notification>;

const ELICIT_TIMEOUT_MS = 10 * 60 * 1000;
const SAMPLE_TIMEOUT_MS = 5 * 60 * 1000;

export interface ToolCallScope {
  runtime: ServiceRuntime;
  server: Server;
  extra: Extra;
  /** The request context of the call (config, clients, log, caller, correlation id, meta). */
  base: RequestContext;
  tool: string;
  /** The call's raw arguments (the idempotency fingerprint). */
  args: unknown;
  signal: AbortSignal;
  clientLog(level: ClientLogLevel, data: unknown): Promise<void>;
}

/**
 * The ToolContext of one tools/call: progress on the caller's token, client logs, and the requests a tool may send
 * back to the client (elicitation, sampling), once-per-key idempotency, and secret handle resolution.
 */
export function createToolContext(scope: ToolCallScope): ToolContext {
  const { runtime, server, extra, base, signal } = scope;
  const progressToken = extra._meta?.progressToken;
  let idempotent: ToolContext['idempotent'] | undefined;
  return {
    ...base,
    progress: async (progress, total, message) => {
      if (progressToken === undefined) return;
      await extra.sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress,
          ...(total !== undefined ? { total } : {}),
          ...(message !== undefined ? { message: runtime.redactor.redactString(message) } : {}),
        },
      });
    },
    clientLog: scope.clientLog,
    get canElicit() {
      return server.getClientCapabilities()?.elicitation !== undefined;
    },
    elicit: async (form: ElicitationForm): Promise<ElicitationAnswer> => {
      if (server.getClientCapabilities()?.elicitation === undefined) {
        throw new ToolError('APPROVAL_REQUIRED', 'the client cannot show an approval prompt (no elicitation capability)');
      }
      const answer = await extra.sendRequest(
        { method: 'elicitation/create', params: { message: form.message, requestedSchema: form.requestedSchema } },
        ElicitResultSchema,
        { signal, timeout: ELICIT_TIMEOUT_MS },
      );
      if (answer.action === 'accept') return { action: 'accept', content: (answer.content ?? {}) as Record<string, unknown> };
      return { action: answer.action };
    },
    get canSample() {
      return server.getClientCapabilities()?.sampling !== undefined;
    },
    sample: async (request: SamplingRequest, options = {}) => {
      if (server.getClientCapabilities()?.sampling === undefined) {
        throw new ToolError('UNSUPPORTED', 'the client cannot be asked to sample: it did not declare the sampling capability');
      }
      return extra.sendRequest(
        { method: 'sampling/createMessage', params: runtime.redactor.redact(request) },
        CreateMessageResultSchema,
        {
          signal: options.signal ? AbortSignal.any([signal, options.signal]) : signal,
          timeout: options.timeoutMs ?? SAMPLE_TIMEOUT_MS,
        },
      );
    },
    idempotent: (work) => {
      idempotent ??= createIdempotent({
        store: runtime.idempotency,
        service: runtime.service.name,
        tool: scope.tool,
        caller: base.caller.id,
        meta: base.meta,
        args: scope.args,
        signal,
        log: base.log,
        redactor: runtime.redactor,
      });
      return idempotent(work);
    },
    resolveSecret: (handle, options = {}) =>
      runtime.secrets.resolve(handle, {
        purpose: purposeOf(options.purpose ?? `tool:${scope.tool}`),
        signal,
        correlationId: base.correlationId,
      }),
  };
}
