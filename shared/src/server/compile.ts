import { z } from 'zod';
import type { AnyToolDefinition } from '../define.ts';

type ObjectSchema = { type: 'object'; [key: string]: unknown };

/** A tool with its JSON Schemas computed once, as `tools/list` serves it. */
export interface CompiledTool {
  definition: AnyToolDefinition;
  /**
   * The input schema as calls are checked against it: the tool's own, strict, so an argument it does not declare (a
   * typo'd name) is an error rather than silently dropped; the listing says so (additionalProperties: false).
   */
  input: z.ZodObject;
  listing: {
    name: string;
    title: string;
    description: string;
    inputSchema: ObjectSchema;
    outputSchema: ObjectSchema;
    annotations: Record<string, unknown>;
    _meta?: Record<string, unknown>;
  };
}

/** The `_meta` key of a tool listing naming the result fields it discloses on purpose (ToolDefinition.discloses). */
export const DISCLOSES_META_KEY = 'io.switchboard/discloses';

export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): ObjectSchema {
  return z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as ObjectSchema;
}

/** What an error result's structuredContent looks like (see errorResult). */
export const ERROR_ENVELOPE_SCHEMA: ObjectSchema = {
  type: 'object',
  title: 'ToolError',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        retryable: { type: 'boolean' },
        details: { type: 'object' },
      },
      required: ['code', 'message', 'retryable'],
    },
  },
  required: ['error'],
};

/**
 * The advertised output schema: the tool's declared output, or the error envelope. Clients validate
 * structuredContent even on error results (the SDK client does), so the error shape must be part of the schema.
 */
export function outputSchemaOf(schema: z.ZodType): ObjectSchema {
  const { $schema, ...declared } = jsonSchemaOf(schema, 'output');
  return { ...($schema ? { $schema } : {}), type: 'object', anyOf: [declared, ERROR_ENVELOPE_SCHEMA] };
}

/** Whether an output schema admits the error envelope (ours do; a third-party tool's usually does not). */
export function acceptsErrorEnvelope(outputSchema: unknown): boolean {
  if (outputSchema === undefined || outputSchema === null) return true;
  const anyOf = (outputSchema as { anyOf?: { title?: string }[] }).anyOf;
  return Array.isArray(anyOf) && anyOf.some((branch) => branch?.title === ERROR_ENVELOPE_SCHEMA.title);
}

export function compileTool(definition: AnyToolDefinition): CompiledTool {
  const input = definition.input.strict();
  return {
    definition,
    input,
    listing: {
      name: definition.name,
      title: definition.title,
      description: definition.description,
      inputSchema: jsonSchemaOf(input, 'input'),
      outputSchema: outputSchemaOf(definition.output),
      annotations: { title: definition.title, ...definition.annotations },
      ...(definition.discloses?.length ? { _meta: { [DISCLOSES_META_KEY]: [...definition.discloses] } } : {}),
    },
  };
}
