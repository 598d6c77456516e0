import jsonata from 'jsonata';
import { EXPRESSION_PATTERN } from '../definition/schema.ts';
import { WorkflowError } from '../engine/errors.ts';

export interface ExpressionsOptions {
  /** Longest one evaluation may run (JSONata's own time box; also stops runaway recursion). */
  timeoutMs: number;
  /** Deepest evaluation stack before the expression is stopped. */
  maxDepth?: number;
}

/** The body of a `"{% expr %}"` string, or undefined for any other value. */
export function expressionBody(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = EXPRESSION_PATTERN.exec(value);
  return match ? (match[1] as string).trim() : undefined;
}

/** A compile error with the position JSONata reports. */
export interface CompileProblem {
  message: string;
  position?: number;
}

const CACHE_MAX = 2000;

/** Strips JSONata sequence markers and functions: what a step may store and pass on is plain JSON. */
function plain(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return undefined;
  return JSON.parse(JSON.stringify(value));
}

/**
 * JSONata expressions of definitions, compiled once and cached; every evaluation is time-boxed. Evaluation
 * errors become WorkflowErrors of type `validation` (the definition or the data it met is wrong).
 */
export class Expressions {
  readonly #options: Required<ExpressionsOptions>;
  readonly #cache = new Map<string, jsonata.Expression>();

  constructor(options: ExpressionsOptions) {
    this.#options = { maxDepth: 500, ...options };
  }

  /** Compiles (or reuses) an expression; throws the JSONata error for a bad one. */
  compile(body: string): jsonata.Expression {
    let compiled = this.#cache.get(body);
    if (!compiled) {
      compiled = jsonata(body, { timeout: this.#options.timeoutMs, stack: this.#options.maxDepth });
      if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
      this.#cache.set(body, compiled);
    }
    return compiled;
  }

  /** The compile problem of an expression, if any. */
  check(body: string): CompileProblem | undefined {
    try {
      this.compile(body);
      return undefined;
    } catch (error) {
      const e = error as { message?: string; position?: number };
      return { message: e.message ?? String(error), ...(typeof e.position === 'number' ? { position: e.position } : {}) };
    }
  }

  async evaluate(body: string, bindings: Record<string, unknown>): Promise<unknown> {
    let compiled: jsonata.Expression;
    try {
      compiled = this.compile(body);
    } catch (error) {
      throw new WorkflowError('validation', `expression "${body}" does not compile: ${(error as Error).message}`);
    }
    try {
      return plain(await compiled.evaluate(undefined, bindings));
    } catch (error) {
      const e = error as { message?: string; code?: string };
      const timedOut = e.code === 'D1012' || e.code === 'D1011';
      throw new WorkflowError(timedOut ? 'timeout' : 'validation', `expression "${body}" failed: ${e.message ?? String(error)}`);
    }
  }

  /**
   * Renders a template: every `"{% expr %}"` string inside it (at any depth) is replaced by its value; keys whose
   * expression gives nothing are dropped. Other values are returned as they are.
   */
  async render(template: unknown, bindings: Record<string, unknown>): Promise<unknown> {
    const body = expressionBody(template);
    if (body !== undefined) return this.evaluate(body, bindings);
    if (Array.isArray(template)) {
      const out: unknown[] = [];
      for (const item of template) out.push(await this.render(item, bindings));
      return out;
    }
    if (template !== null && typeof template === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(template)) {
        const rendered = await this.render(value, bindings);
        if (rendered !== undefined) out[key] = rendered;
      }
      return out;
    }
    return template;
  }
}

/** Every expression body inside a value, with its JSON pointer. */
export function findExpressions(value: unknown, pointer = ''): { pointer: string; body: string }[] {
  const body = expressionBody(value);
  if (body !== undefined) return [{ pointer, body }];
  if (Array.isArray(value)) return value.flatMap((item, i) => findExpressions(item, `${pointer}/${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      findExpressions(item, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`),
    );
  }
  return [];
}

/** JSONata truthiness as conditions use it: false, null, 0, "" and empty arrays are false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.some(truthy);
  return Boolean(value);
}
