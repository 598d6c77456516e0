import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ErrorCode as McpErrorCode,
  ReadResourceRequestSchema,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Caller, ClientLogLevel, RequestContext } from '../context.ts';
import { CORRELATION_HEADER, readCorrelationId } from '../correlation.ts';
import type { AnyPromptDefinition, AnyResourceDefinition, ResourceEntry } from '../define.ts';
import { ToolError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../output/paging.ts';
import type { ServiceRuntime } from '../runtime/runtime.ts';
import { runToolCall } from './tool-call.ts';
import { createToolContext } from './tool-context.ts';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export type SessionTransportKind = 'streamable-http' | 'stateless-http' | 'sse' | 'stdio' | 'memory';

export interface SessionInfo {
  transport: SessionTransportKind;
  /** The caller when a request carries no authentication (auth none, stdio, in-memory). */
  defaultCaller: Caller;
}

const LEVELS: ClientLogLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

const RESOURCE_NOT_FOUND = -32002;

function callerOf(extra: Extra, fallback: Caller): Caller {
  const clientId = extra.authInfo?.clientId;
  return clientId ? { id: clientId, kind: 'token' } : fallback;
}

function correlationOf(extra: Extra): string {
  const meta = extra._meta as Record<string, unknown> | undefined;
  const headers = (extra.requestInfo?.headers ?? {}) as Record<string, string | string[] | undefined>;
  return readCorrelationId({ meta, headers });
}

/** resources/list pages across the service's resource definitions: the kit's cursor, bound to this list. */
const LIST_SCOPE = 'resources/list';

function encodeListCursor(position: { i: number; c?: string }): string {
  return encodeCursor(position, LIST_SCOPE);
}

function decodeListCursor(cursor: string | undefined): { i: number; c?: string } {
  if (!cursor) return { i: 0 };
  let position: { i?: unknown; c?: unknown };
  try {
    position = decodeCursor(cursor, LIST_SCOPE);
  } catch (error) {
    throw new McpError(McpErrorCode.InvalidParams, (error as Error).message);
  }
  if (typeof position.i !== 'number' || (position.c !== undefined && typeof position.c !== 'string')) {
    throw new McpError(McpErrorCode.InvalidParams, 'invalid cursor');
  }
  return position as { i: number; c?: string };
}

interface TemplateEntry {
  definition: AnyResourceDefinition;
  template: UriTemplate | undefined;
}

function toMcpError(error: unknown, runtime: ServiceRuntime, what: string): McpError {
  if (error instanceof McpError) return error;
  if (error instanceof ToolError) {
    const code =
      error.code === 'NOT_FOUND'
        ? RESOURCE_NOT_FOUND
        : error.code === 'INVALID_ARGUMENT'
          ? McpErrorCode.InvalidParams
          : McpErrorCode.InternalError;
    return new McpError(code, runtime.redactor.redactString(error.message), { code: error.code, retryable: error.retryable });
  }
  runtime.log.error({ err: error }, `${what} failed`);
  return new McpError(McpErrorCode.InternalError, `${what} failed unexpectedly`, { code: 'INTERNAL' });
}

/**
 * Builds the MCP server for one session. It is a low-level SDK `Server`: tool listings are computed once per
 * process, and every call runs through the kit's pipeline (validation, errors, redaction, cap, metrics).
 */
export function createServiceServer(runtime: ServiceRuntime, session: SessionInfo): Server {
  const { service, config } = runtime;
  const resources = (service.resources ?? []).map<TemplateEntry>((definition) => ({
    definition,
    template: definition.uriTemplate ? new UriTemplate(definition.uriTemplate) : undefined,
  }));
  const prompts = new Map<string, AnyPromptDefinition>((service.prompts ?? []).map((p) => [p.name, p]));
  const hasCompletions =
    resources.some((r) => r.definition.complete) || [...prompts.values()].some((p) => p.complete !== undefined);

  const server = new Server(
    { name: service.name, version: service.version, ...(service.title ? { title: service.title } : {}) },
    {
      capabilities: {
        tools: { listChanged: true },
        logging: {},
        ...(resources.length > 0 ? { resources: { listChanged: true } } : {}),
        ...(prompts.size > 0 ? { prompts: { listChanged: true } } : {}),
        ...(hasCompletions ? { completions: {} } : {}),
      },
      ...(service.instructions ? { instructions: service.instructions } : {}),
    },
  );

  let clientLogLevel: ClientLogLevel | undefined;
  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    clientLogLevel = request.params.level as ClientLogLevel;
    return {};
  });

  const clientLog = async (level: ClientLogLevel, data: unknown, logger: string = service.name): Promise<void> => {
    if (!clientLogLevel || LEVELS.indexOf(level) < LEVELS.indexOf(clientLogLevel)) return;
    await server
      .notification({ method: 'notifications/message', params: { level, logger, data: runtime.redactor.redact(data) } })
      .catch(() => {});
  };

  const baseContext = (extra: Extra, signal: AbortSignal, bindings: Record<string, unknown>): RequestContext => {
    const correlationId = correlationOf(extra);
    return {
      config,
      clients: runtime.clients,
      log: runtime.log.child({ ...bindings, correlation_id: correlationId }),
      caller: callerOf(extra, session.defaultCaller),
      correlationId,
      signal,
      redactor: runtime.redactor,
      meta: (extra._meta ?? {}) as Record<string, unknown>,
    };
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: config.readOnly ? runtime.readOnlyToolListing : runtime.toolListing,
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = runtime.tools.get(request.params.name);
    if (!tool) {
      const message = `Unknown tool: ${request.params.name}`;
      service.onToolCall?.({
        tool: request.params.name,
        outcome: 'not_found',
        handled: false,
        message,
        caller: callerOf(extra, session.defaultCaller).id,
        correlationId: correlationOf(extra),
        durationMs: 0,
        clients: runtime.clients,
      });
      throw new McpError(McpErrorCode.InvalidParams, message);
    }
    const controller = new AbortController();
    const signal = AbortSignal.any([extra.signal, controller.signal]);
    const base = baseContext(extra, signal, { tool: tool.definition.name });
    const ctx = createToolContext({
      runtime,
      server,
      extra,
      base,
      tool: tool.definition.name,
      args: request.params.arguments,
      signal,
      clientLog: (level, data) => clientLog(level, data),
    });
    const started = process.hrtime.bigint();
    ctx.log.debug({ transport: session.transport }, 'tool call started');
    const { result, outcome, handled, message } = await runtime.inFlight.run(controller, () =>
      runToolCall(tool, request.params.arguments, ctx, {
        outputCapBytes: config.outputCapBytes,
        readOnly: config.readOnly,
        serviceName: service.name,
        disabledReason: runtime.disabledTools.get(tool.definition.name),
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    runtime.metrics.toolCalls.inc({ service: service.name, tool: tool.definition.name, outcome });
    runtime.metrics.toolDuration.observe({ service: service.name, tool: tool.definition.name }, seconds);
    ctx.log.info({ outcome, duration_ms: Math.round(seconds * 1000), caller: ctx.caller.id }, 'tool call finished');
    try {
      service.onToolCall?.({
        tool: tool.definition.name,
        outcome,
        handled,
        ...(message !== undefined ? { message } : {}),
        caller: ctx.caller.id,
        correlationId: ctx.correlationId,
        durationMs: Math.round(seconds * 1000),
        clients: runtime.clients,
      });
    } catch (error) {
      ctx.log.error({ err: error }, 'the onToolCall hook failed');
    }
    await clientLog(outcome === 'success' ? 'debug' : 'warning', {
      tool: tool.definition.name,
      outcome,
      duration_ms: Math.round(seconds * 1000),
      [CORRELATION_HEADER]: ctx.correlationId,
    });
    return result;
  });

  if (resources.length > 0) {
    server.setRequestHandler(ListResourcesRequestSchema, async (request, extra) => {
      const position = decodeListCursor(request.params?.cursor);
      const ctx = baseContext(extra, extra.signal, { request: 'resources/list' });
      const out: ResourceEntry[] = [];
      if (position.i === 0 && !position.c) {
        for (const { definition } of resources) {
          if (definition.uri) {
            out.push({
              uri: definition.uri,
              name: definition.name,
              ...(definition.title ? { title: definition.title } : {}),
              description: definition.description,
              ...(definition.mimeType ? { mimeType: definition.mimeType } : {}),
            });
          }
        }
      }
      for (let i = position.i; i < resources.length; i++) {
        const definition = resources[i]?.definition;
        if (!definition?.list) continue;
        try {
          const page = await definition.list(ctx, i === position.i ? position.c : undefined);
          out.push(...page.resources);
          if (page.nextCursor) return { resources: out, nextCursor: encodeListCursor({ i, c: page.nextCursor }) };
          if (out.length > 0 && i + 1 < resources.length) return { resources: out, nextCursor: encodeListCursor({ i: i + 1 }) };
        } catch (error) {
          throw toMcpError(error, runtime, 'resources/list');
        }
      }
      return { resources: out };
    });

    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
      resourceTemplates: resources
        .filter((r) => r.definition.uriTemplate)
        .map(({ definition }) => ({
          uriTemplate: definition.uriTemplate as string,
          name: definition.name,
          ...(definition.title ? { title: definition.title } : {}),
          description: definition.description,
          ...(definition.mimeType ? { mimeType: definition.mimeType } : {}),
        })),
    }));

    server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
      const uri = request.params.uri;
      const ctx = baseContext(extra, extra.signal, { request: 'resources/read' });
      for (const { definition, template } of resources) {
        const variables = definition.uri === uri ? {} : template?.match(uri);
        if (!variables) continue;
        try {
          const flat = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
          const contents = await definition.read(new URL(uri), flat, ctx);
          return { contents: runtime.redactor.redact(contents) };
        } catch (error) {
          throw toMcpError(error, runtime, 'resources/read');
        }
      }
      throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
    });
  }

  if (prompts.size > 0) {
    server.setRequestHandler(ListPromptsRequestSchema, async () => ({
      prompts: [...prompts.values()].map((prompt) => ({
        name: prompt.name,
        ...(prompt.title ? { title: prompt.title } : {}),
        description: prompt.description,
        arguments: Object.entries(prompt.args.shape as Record<string, { description?: string; isOptional(): boolean }>).map(
          ([name, schema]) => ({
            name,
            ...(schema.description ? { description: schema.description } : {}),
            required: !schema.isOptional(),
          }),
        ),
      })),
    }));

    server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
      const prompt = prompts.get(request.params.name);
      if (!prompt) throw new McpError(McpErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
      const args = prompt.args.safeParse(request.params.arguments ?? {});
      if (!args.success) {
        throw new McpError(
          McpErrorCode.InvalidParams,
          `invalid arguments for prompt ${prompt.name}: ${args.error.issues.map((i: { path: PropertyKey[]; message: string }) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      try {
        return await prompt.handler(args.data, baseContext(extra, extra.signal, { prompt: prompt.name }));
      } catch (error) {
        throw toMcpError(error, runtime, `prompt ${prompt.name}`);
      }
    });
  }

  if (hasCompletions) {
    server.setRequestHandler(CompleteRequestSchema, async (request, extra) => {
      const { ref, argument } = request.params;
      const context = (request.params.context?.arguments ?? {}) as Record<string, string>;
      const ctx = baseContext(extra, extra.signal, { request: 'completion/complete' });
      let values: string[] = [];
      try {
        if (ref.type === 'ref/resource') {
          const entry = resources.find((r) => r.definition.uriTemplate === ref.uri || r.definition.uri === ref.uri);
          const complete = entry?.definition.complete?.[argument.name];
          if (complete) values = await complete(argument.value, context, ctx);
        } else if (ref.type === 'ref/prompt') {
          const complete = prompts.get(ref.name)?.complete?.[argument.name];
          if (complete) values = await complete(argument.value, ctx);
        }
      } catch (error) {
        throw toMcpError(error, runtime, 'completion/complete');
      }
      return { completion: { values: values.slice(0, 100), total: values.length, hasMore: values.length > 100 } };
    });
  }

  return server;
}
