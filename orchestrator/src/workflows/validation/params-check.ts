import { Ajv, type ValidateFunction } from 'ajv';
import { findExpressions } from '../expressions/expressions.ts';

/**
 * Checks tool arguments against a tool's inputSchema with ajv. Values written as expressions are unknown until
 * run time: errors at or under them are dropped, so only literal values are judged.
 */
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const cache = new Map<string, ValidateFunction | null>();

function compiled(schema: Record<string, unknown>): ValidateFunction | null {
  const { $schema: _ignored, ...rest } = schema;
  const key = JSON.stringify(rest);
  let validate = cache.get(key);
  if (validate === undefined) {
    try {
      validate = ajv.compile(rest);
    } catch {
      validate = null;
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, validate);
  }
  return validate;
}

export interface ParamsIssue {
  /** JSON pointer within the params. */
  pointer: string;
  message: string;
}

export function checkParams(schema: Record<string, unknown>, params: unknown): ParamsIssue[] {
  const validate = compiled(schema);
  if (!validate || validate(params)) return [];
  const dynamic = findExpressions(params).map((e) => e.pointer);
  const under = (pointer: string) => dynamic.some((d) => pointer === d || pointer.startsWith(`${d}/`));
  return (validate.errors ?? [])
    .filter((e) => !under(e.instancePath))
    .map((e) => {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      const detail = extra ? ` (${extra})` : allowed ? ` (${allowed.map((v) => JSON.stringify(v)).join(', ')})` : '';
      return { pointer: e.instancePath, message: `${e.instancePath || 'params'} ${e.message ?? 'is invalid'}${detail}` };
    });
}

/** Whether a JSON Schema compiles (for the definition's input.schema). */
export function schemaError(schema: Record<string, unknown>): string | undefined {
  try {
    const { $schema: _ignored, ...rest } = schema;
    ajv.compile(rest);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Validates a value against a JSON Schema; the messages of what does not match. */
export function schemaIssues(schema: Record<string, unknown>, value: unknown): string[] {
  const validate = compiled(schema);
  if (!validate || validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(input)'} ${e.message ?? 'is invalid'}`);
}
