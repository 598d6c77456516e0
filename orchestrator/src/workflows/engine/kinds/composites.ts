import { definitionHash } from '../../definition/hash.ts';
import type { StepOf } from '../../definition/schema.ts';
import { truthy } from '../../expressions/expressions.ts';
import type { StepRecord } from '../../store/types.ts';
import { WorkflowError } from '../errors.ts';
import { Interrupt } from '../interrupt.ts';
import type { Scope } from '../scope.ts';
import { pathOf, type Result, type StepRunner, staticCount, type Where } from '../walk.ts';

/** Composite steps: they re-run over their children on every drive, so scopes and compensations are rebuilt. */

export async function runParallel(
  runner: StepRunner,
  step: StepOf<'parallel'>,
  scope: Scope,
  where: Where,
  key: string,
  record?: StepRecord,
): Promise<Result> {
  if (!record) await runner.save(key, step, 'parallel', 'running', {}, 'step');
  const siblings = new AbortController();
  const signal = AbortSignal.any([where.signal, siblings.signal]);
  const inner: Where = { path: pathOf(where, step.id), indices: where.indices, signal };
  const failures: unknown[] = [];
  const settled = await Promise.allSettled(
    step.parallel.branches.map(async (branch) => {
      try {
        return await runner.sequence(branch.steps, scope, inner);
      } catch (error) {
        failures.push(error);
        if (step.parallel.failFast) siblings.abort(new Interrupt('sibling', `a branch of ${step.id} failed`));
        throw error;
      }
    }),
  );
  runner.rethrowFirst(failures, step.id);
  return { output: settled.map((s) => (s.status === 'fulfilled' ? s.value : null)) };
}

/** The iterations of a loop that have any checkpoint (keys `<loop>/<step>:<outer indices>:<i>`). */
function startedIterations(records: ReadonlyMap<string, StepRecord>, loopPath: string, outer: number[]): Set<number> {
  const started = new Set<number>();
  const prefix = `${loopPath}/`;
  for (const key of records.keys()) {
    const [path = '', ...indices] = key.replace(/#compensate$/, '').split(':');
    if (!path.startsWith(prefix) || indices.length <= outer.length) continue;
    if (outer.every((value, i) => Number(indices[i]) === value)) started.add(Number(indices[outer.length]));
  }
  return started;
}

export async function runForEach(
  runner: StepRunner,
  step: StepOf<'forEach'>,
  scope: Scope,
  where: Where,
  key: string,
  record?: StepRecord,
): Promise<Result> {
  const spec = step.forEach;
  const items = typeof spec.in === 'string' ? await runner.evaluate(spec.in, scope) : spec.in;
  const list = items === undefined || items === null ? [] : Array.isArray(items) ? items : [items];
  const itemsHash = definitionHash(list);
  if (record && record.data?.itemsHash !== undefined && record.data.itemsHash !== itemsHash) {
    throw new WorkflowError(
      'validation',
      `the items of forEach ${step.id} changed since the run started (its "in" expression is not deterministic)`,
      { stepId: step.id },
    );
  }
  if (!record) await runner.save(key, step, 'forEach', 'running', { data: { count: list.length, itemsHash } }, 'step');
  runner.addSteps(staticCount(spec.steps) * list.length);
  const results: unknown[] = new Array(list.length).fill(null);
  const failures: unknown[] = [];
  const stop = new AbortController();
  const signal = AbortSignal.any([where.signal, stop.signal]);
  // Replaying a loop that already failed: iterations that never started must not start now.
  const replayOnly = record !== undefined && (record.status === 'failed' || record.status === 'caught');
  const started = replayOnly ? startedIterations(runner.records, pathOf(where, step.id), where.indices) : undefined;
  let next = 0;
  const worker = async () => {
    while (next < list.length && failures.length === 0) {
      const index = next++;
      if (started && !started.has(index)) continue;
      const iteration = scope.child({ [spec.as]: list[index], index });
      try {
        results[index] = await runner.sequence(spec.steps, iteration, {
          path: pathOf(where, step.id),
          indices: [...where.indices, index],
          signal,
        });
      } catch (error) {
        failures.push(error);
        stop.abort(new Interrupt('sibling', `an iteration of ${step.id} failed`));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.maxConcurrency, list.length) }, worker));
  runner.rethrowFirst(failures, step.id);
  return { output: results };
}

export async function runSwitch(
  runner: StepRunner,
  step: StepOf<'switch'>,
  scope: Scope,
  where: Where,
  key: string,
  record?: StepRecord,
): Promise<Result> {
  const spec = step.switch;
  let choice = record?.data?.case as number | null | undefined;
  if (choice === undefined) {
    choice = null;
    for (let i = 0; i < spec.cases.length; i++) {
      const when = (spec.cases[i] as { when: string | boolean }).when;
      if (typeof when === 'boolean' ? when : truthy(await runner.evaluate(when, scope))) {
        choice = i;
        break;
      }
    }
    if (choice === null && spec.default) choice = -1;
    await runner.save(key, step, 'switch', 'running', { data: { case: choice } }, 'step');
  }
  const steps = choice === null ? undefined : choice === -1 ? spec.default : spec.cases[choice]?.steps;
  const output = steps ? await runner.sequence(steps, scope, { ...where, path: pathOf(where, step.id) }) : null;
  return { output };
}
