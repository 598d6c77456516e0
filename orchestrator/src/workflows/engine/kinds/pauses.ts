import type { StepOf } from '../../definition/schema.ts';
import type { StepRecord } from '../../store/types.ts';
import { WorkflowError } from '../errors.ts';
import type { ExecutionHost } from '../host.ts';
import type { Scope } from '../scope.ts';
import type { Result, StepRunner, Where } from '../walk.ts';

/** Steps that wait: for a human (approval) or for a time (wait). Their deadlines are checkpointed. */

export async function runApproval(
  runner: StepRunner,
  step: StepOf<'approval'>,
  scope: Scope,
  where: Where,
  key: string,
  record?: StepRecord,
): Promise<Result> {
  const spec = step.approval;
  let data = record?.status === 'waiting' ? record.data : undefined;
  if (!data) {
    const rendered = await runner.render(spec.message, scope);
    const message = typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
    data = { message, ...(spec.timeoutMs ? { deadline: runner.host.now() + spec.timeoutMs } : {}) };
    await runner.save(key, step, 'approval', 'waiting', { data }, 'step');
  }
  await runner.approvalWaiting(1);
  let decision: Awaited<ReturnType<ExecutionHost['approval']>>;
  try {
    decision = await runner.host.approval(
      {
        stepId: step.id,
        key,
        message: String(data.message),
        ...(typeof data.deadline === 'number' ? { deadline: data.deadline } : {}),
      },
      where.signal,
    );
  } finally {
    await runner.approvalWaiting(-1);
  }
  if (decision.timedOut) {
    if (spec.onTimeout === 'fail') throw new WorkflowError('timeout', `approval ${step.id} timed out`, { stepId: step.id });
    if (spec.onTimeout === 'reject') {
      throw new WorkflowError('approval.rejected', `approval ${step.id} timed out and was rejected`, { stepId: step.id });
    }
  } else if (!decision.approved) {
    const why = decision.comment ? `: ${decision.comment}` : '';
    throw new WorkflowError('approval.rejected', `approval ${step.id} was rejected by ${decision.by}${why}`, {
      stepId: step.id,
    });
  }
  return {
    output: {
      approved: true,
      by: decision.by,
      at: new Date(decision.at).toISOString(),
      ...(decision.comment ? { comment: decision.comment } : {}),
      ...(decision.timedOut ? { timedOut: true } : {}),
    },
  };
}

export async function runWait(
  runner: StepRunner,
  step: StepOf<'wait'>,
  scope: Scope,
  where: Where,
  key: string,
  record?: StepRecord,
): Promise<Result> {
  let wakeAt = record?.status === 'waiting' ? Number(record.data?.wakeAt) : Number.NaN;
  if (!Number.isFinite(wakeAt)) {
    const ms = Number(await runner.render(step.wait.durationMs, scope));
    if (!Number.isFinite(ms) || ms < 0) {
      throw new WorkflowError('validation', `wait ${step.id}: durationMs is not a number of milliseconds`, { stepId: step.id });
    }
    wakeAt = runner.host.now() + ms;
    await runner.save(key, step, 'wait', 'waiting', { data: { wakeAt } }, 'step');
  }
  await runner.sleepUntil(wakeAt, where.signal);
  return { output: { until: new Date(wakeAt).toISOString() } };
}
