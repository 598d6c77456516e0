import { z } from '@switchboard/shared';

/**
 * The workflow definition language `switchboard/v1`, as zod schemas. The walker in validation/structure.ts
 * checks a definition one step at a time with the shallow schemas (nested steps left to the walker) so each
 * problem gets its own path; `definitionSchema` is the recursive whole, published as JSON Schema.
 */
export const DSL_VERSION = 'switchboard/v1';

/** Error names retry and catch match on; a `fail` step may raise any other name. */
export const ERROR_NAMES = ['transport', 'timeout', 'tool', 'validation', 'approval.rejected', 'cancelled', 'ALL'] as const;

export const STEP_KINDS = ['call', 'parallel', 'forEach', 'switch', 'approval', 'wait', 'set', 'fail'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Names for the published JSON Schema's definitions (the schema is generated with this registry). */
export const schemaIds = z.registry<{ id: string }>();

export const EXPRESSION_PATTERN = /^\s*\{%([\s\S]*)%\}\s*$/;
const expression = z
  .string()
  .regex(EXPRESSION_PATTERN, 'an expression is a string "{% <JSONata> %}"')
  .describe('A JSONata expression written "{% expr %}"; sees $input, $steps.<id>.output, $vars, $run and loop variables')
  .register(schemaIds, { id: 'expression' });

const stepId = z
  .string()
  .regex(/^(?!continue$)[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a step id is a letter then letters, digits, _ or - (not "continue")')
  .describe('Unique within the whole definition')
  .register(schemaIds, { id: 'stepId' });
/** A loop or `set` variable; it may not shadow the names the engine binds (input, steps, vars, run, index, error). */
const variableName = z
  .string()
  .regex(
    /^(?!(?:input|steps|vars|run|index|error)$)[A-Za-z_][A-Za-z0-9_]{0,63}$/,
    'a variable name is letters, digits and _ (not input, steps, vars, run, index or error)',
  );
const namespace = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'a service namespace such as cmdb or linux');
const toolName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_./-]{0,127}$/, 'the tool name as the service lists it');
const positiveMs = z.number().int().min(1).max(2_147_483_647);

export const retrySchema = z
  .object({
    errorEquals: z
      .array(z.string().min(1))
      .min(1)
      .default(['ALL'])
      .describe(`Error names: ${ERROR_NAMES.join(', ')}`),
    maxAttempts: z.number().int().min(1).max(100).default(3).describe('Attempts in all, the first included'),
    intervalMs: z.number().int().min(0).max(3_600_000).default(1000).describe('Delay before the second attempt'),
    backoffRate: z.number().min(1).max(10).default(2).describe('Each later delay is the previous one times this'),
    maxDelayMs: z.number().int().min(0).max(86_400_000).optional().describe('Upper bound of one delay'),
    jitter: z.enum(['none', 'full']).default('none').describe('full: each delay is random between 0 and its value'),
  })
  .strict()
  .register(schemaIds, { id: 'retry' });

export const catchSchema = z
  .object({
    errorEquals: z
      .array(z.string().min(1))
      .min(1)
      .describe(`Error names: ${ERROR_NAMES.join(', ')}`),
    next: z
      .union([z.literal('continue'), z.literal('@compensate'), stepId])
      .describe('continue with the next step, goto a step of the same list, or @compensate: fail and run compensations'),
  })
  .strict()
  .register(schemaIds, { id: 'catch' });

export const callSchema = z
  .object({
    service: namespace.describe('The namespace of the service (cmdb, linux, k8s, ...)'),
    tool: toolName,
    params: z
      .union([z.record(z.string(), z.unknown()), expression])
      .default({})
      .describe('The tool arguments; any string value may be an expression'),
  })
  .strict()
  .register(schemaIds, { id: 'call' });

const condition = z.union([expression, z.boolean()]).register(schemaIds, { id: 'condition' });

/** The fields every step may carry besides its kind. */
const baseShape = {
  id: stepId,
  description: z.string().max(1000).optional(),
  if: condition.optional().describe('The step runs only when this is truthy; otherwise it is skipped'),
  timeoutMs: positiveMs.optional().describe('call: per attempt; parallel, forEach, switch: the whole step'),
  retry: retrySchema.optional().describe('call steps only'),
  catch: z.array(catchSchema).min(1).optional(),
  compensate: callSchema.optional().describe('A call that undoes this step; run in reverse order when the run fails'),
  sensitive: z.boolean().optional().describe('The output is sealed in the store and redacted from results, logs and progress'),
};

/** The step schemas, one per kind, with nested step lists typed by `nested`. */
export function stepSchemas<N extends z.ZodType>(nested: N) {
  const steps = z.array(nested).min(1);
  return {
    call: z.object({ ...baseShape, call: callSchema }).strict(),
    parallel: z
      .object({
        ...baseShape,
        parallel: z
          .object({
            branches: z.array(z.object({ name: z.string().max(100).optional(), steps }).strict()).min(1),
            failFast: z.boolean().default(true).describe('On the first failing branch, cancel the others'),
          })
          .strict(),
      })
      .strict(),
    forEach: z
      .object({
        ...baseShape,
        forEach: z
          .object({
            in: z.union([expression, z.array(z.unknown())]).describe('The items: an expression giving an array, or an array'),
            as: variableName.default('item').describe('The loop variable, $item by default; $index is the position'),
            maxConcurrency: z.number().int().min(1).max(100).default(1).describe('Iterations running at once'),
            steps,
          })
          .strict(),
      })
      .strict(),
    switch: z
      .object({
        ...baseShape,
        switch: z
          .object({
            cases: z.array(z.object({ when: condition, steps }).strict()).min(1),
            default: steps.optional(),
          })
          .strict(),
      })
      .strict(),
    approval: z
      .object({
        ...baseShape,
        approval: z
          .object({
            message: z.string().min(1).max(4000).describe('Shown to the approver; may be an expression'),
            timeoutMs: positiveMs.optional(),
            onTimeout: z.enum(['reject', 'approve', 'fail']).default('reject'),
          })
          .strict(),
      })
      .strict(),
    wait: z
      .object({
        ...baseShape,
        wait: z.object({ durationMs: z.union([z.number().int().min(0).max(2_147_483_647), expression]) }).strict(),
      })
      .strict(),
    set: z
      .object({
        ...baseShape,
        set: z.record(variableName, z.unknown()).describe('Variables to set ($vars.<name>); values may be expressions'),
      })
      .strict(),
    fail: z
      .object({
        ...baseShape,
        fail: z
          .object({
            error: z.string().min(1).max(100).default('fail').describe('The error name catch and retry match'),
            message: z.string().min(1).max(4000),
          })
          .strict(),
      })
      .strict(),
  };
}

export const headerShape = {
  $schema: z.string().optional(),
  dsl: z.literal(DSL_VERSION),
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, 'letters, digits, _ . and -, starting with a letter'),
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/, 'a version such as 1 or 1.2.0'),
  description: z.string().max(4000).optional(),
  input: z
    .object({ schema: z.record(z.string(), z.unknown()).optional().describe('JSON Schema of the run input') })
    .strict()
    .optional(),
  defaults: z
    .object({ timeoutMs: positiveMs.optional(), retry: retrySchema.optional() })
    .strict()
    .optional()
    .describe('Applied to call steps that do not set their own'),
  compensation: z
    .object({
      onFailure: z.boolean().default(true).describe('Run compensations when the run fails'),
      onCancel: z.boolean().default(true).describe('Run compensations when the run is cancelled (cancelWorkflow may override)'),
    })
    .strict()
    .optional(),
  output: z.unknown().optional().describe('The run output: an expression or a template; by default the last step output'),
};

const stepUnion: z.ZodType = z.lazy(() => {
  const kinds = stepSchemas(stepUnion);
  return z.union([kinds.call, kinds.parallel, kinds.forEach, kinds.switch, kinds.approval, kinds.wait, kinds.set, kinds.fail]);
});

/** The whole definition, recursive; the source of the published JSON Schema. */
export const definitionSchema = z
  .object({ ...headerShape, steps: z.array(stepUnion).min(1) })
  .strict()
  .describe('A Switchboard workflow definition (switchboard/v1)');

/** The header without its steps, for the walker. */
export const headerSchema = z.object({ ...headerShape, steps: z.array(z.unknown()).min(1) }).strict();

/** Per-kind schemas whose nested step lists are left to the walker. */
export const shallowStepSchemas = stepSchemas(z.unknown());

// ---- types (the parsed, defaults-applied form) ---------------------------------------------------------------

export type RetryPolicy = z.output<typeof retrySchema>;
export type CatchRule = z.output<typeof catchSchema>;
export type CallSpec = z.output<typeof callSchema>;

export interface StepBase {
  id: string;
  description?: string;
  if?: string | boolean;
  timeoutMs?: number;
  retry?: RetryPolicy;
  catch?: CatchRule[];
  compensate?: CallSpec;
  sensitive?: boolean;
}

export interface Branch {
  name?: string;
  steps: Step[];
}

export type Step = StepBase &
  (
    | { call: CallSpec }
    | { parallel: { branches: Branch[]; failFast: boolean } }
    | { forEach: { in: string | unknown[]; as: string; maxConcurrency: number; steps: Step[] } }
    | { switch: { cases: { when: string | boolean; steps: Step[] }[]; default?: Step[] } }
    | { approval: { message: string; timeoutMs?: number; onTimeout: 'reject' | 'approve' | 'fail' } }
    | { wait: { durationMs: number | string } }
    | { set: Record<string, unknown> }
    | { fail: { error: string; message: string } }
  );

export type StepOf<K extends StepKind> = Extract<Step, Record<K, unknown>>;

export interface Definition {
  $schema?: string;
  dsl: typeof DSL_VERSION;
  name: string;
  version: string;
  description?: string;
  input?: { schema?: Record<string, unknown> };
  defaults?: { timeoutMs?: number; retry?: RetryPolicy };
  compensation?: { onFailure: boolean; onCancel: boolean };
  output?: unknown;
  steps: Step[];
}

/** The one kind key a step carries. */
export function kindOf(step: Step): StepKind {
  for (const kind of STEP_KINDS) if (kind in step) return kind;
  throw new Error(`step ${step.id} has no kind`);
}

/** The nested step lists of a step (branches, loop body, cases), with the label used in paths. */
export function childLists(step: Step): { label: string; steps: Step[] }[] {
  if ('parallel' in step) return step.parallel.branches.map((b, i) => ({ label: `branch ${b.name ?? i}`, steps: b.steps }));
  if ('forEach' in step) return [{ label: 'forEach', steps: step.forEach.steps }];
  if ('switch' in step) {
    const lists = step.switch.cases.map((c, i) => ({ label: `case ${i}`, steps: c.steps }));
    if (step.switch.default) lists.push({ label: 'default', steps: step.switch.default });
    return lists;
  }
  return [];
}
