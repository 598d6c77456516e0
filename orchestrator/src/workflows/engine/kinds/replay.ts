import type { Step, StepKind } from '../../definition/schema.ts';
import type { StepRecord } from '../../store/types.ts';
import { WorkflowError } from '../errors.ts';
import type { Scope } from '../scope.ts';
import { isSealed, protectOutput } from '../sensitive.ts';
import type { StepOutcome, StepRunner } from '../walk.ts';

/**
 * The outcome of a settled record, replayed instead of executed (a leaf step never runs twice); undefined when a
 * sensitive output cannot be opened (no encryption key shared across restarts): the step runs again.
 */
export function replay(
  runner: StepRunner,
  step: Step,
  kind: StepKind,
  record: StepRecord,
  scope: Scope,
): StepOutcome | undefined {
  const error = record.error ?? { type: 'tool', message: `step ${step.id} failed` };
  switch (record.status) {
    case 'completed': {
      let output = record.output;
      if (isSealed(step, record)) {
        const opened = runner.host.unseal(record.sealed);
        if (!opened.ok) {
          runner.host.log.warn(
            { run_id: runner.run.runId, step: record.key },
            'the sealed output of a sensitive step cannot be opened (no workflows.encryptionKey shared across restarts); running the step again',
          );
          runner.forget(record.key);
          return undefined;
        }
        output = opened.value;
        protectOutput(runner.host, step, output);
      }
      if (kind === 'set' && output && typeof output === 'object') {
        for (const [name, value] of Object.entries(output)) scope.setVar(name, value);
      }
      scope.setStep(step.id, { status: 'completed', output, attempts: record.attempts });
      runner.replayed(step.compensate ? { step, key: record.key, seq: record.doneSeq ?? 0, scope } : undefined);
      return { ran: true, output };
    }
    case 'skipped':
      scope.setStep(step.id, { status: 'skipped', output: null, attempts: 0 });
      runner.replayed(undefined);
      return { ran: false };
    case 'caught': {
      scope.setStep(step.id, { status: 'caught', output: null, attempts: record.attempts, error });
      runner.replayed(undefined);
      const next = String(record.data?.next ?? 'continue');
      return { ran: true, output: null, ...(next === 'continue' ? {} : { goto: next }) };
    }
    default: {
      const failure = WorkflowError.from({ ...error, stepId: error.stepId ?? step.id });
      failure.forceCompensate = record.data?.next === '@compensate';
      throw record.status === 'cancelled' ? new WorkflowError('cancelled', error.message, { stepId: step.id }) : failure;
    }
  }
}
