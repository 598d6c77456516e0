import type { ErrorRecord } from './errors.ts';

/** What `$steps.<id>` shows of a step. */
export interface StepState {
  status: string;
  output: unknown;
  attempts: number;
  error?: ErrorRecord;
}

/**
 * The names an expression sees. The run has one root scope; each forEach iteration gets a child scope with its
 * loop variable, its own `$steps` of the loop body and its own `$vars` (a `set` inside an iteration stays there).
 */
export class Scope {
  readonly parent: Scope | undefined;
  readonly #steps = new Map<string, StepState>();
  readonly #vars: Record<string, unknown> = {};
  readonly #locals: Record<string, unknown>;

  constructor(parent?: Scope, locals: Record<string, unknown> = {}) {
    this.parent = parent;
    this.#locals = locals;
  }

  child(locals: Record<string, unknown>): Scope {
    return new Scope(this, locals);
  }

  setStep(id: string, state: StepState): void {
    this.#steps.set(id, state);
  }

  setVar(name: string, value: unknown): void {
    this.#vars[name] = value;
  }

  /** Root first, so inner scopes win. */
  #chain(): Scope[] {
    const chain: Scope[] = [];
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) chain.unshift(scope);
    return chain;
  }

  /** The bindings of a JSONata evaluation: $input, $run, $steps, $vars and the loop variables. */
  bindings(base: { input: unknown; run: Record<string, unknown> }): Record<string, unknown> {
    const steps: Record<string, StepState> = {};
    const vars: Record<string, unknown> = {};
    const locals: Record<string, unknown> = {};
    for (const scope of this.#chain()) {
      for (const [id, state] of scope.#steps) steps[id] = state;
      Object.assign(vars, scope.#vars);
      Object.assign(locals, scope.#locals);
    }
    return { ...locals, input: base.input, run: base.run, steps, vars };
  }
}
