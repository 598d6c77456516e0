import type { StepOf } from '../../definition/schema.ts';
import type { StepRecord } from '../../store/types.ts';
import { errorMatches, Halt } from '../errors.ts';
import { withTimeout } from '../interrupt.ts';
import { retryDelay } from '../retry.ts';
import type { Scope } from '../scope.ts';
import type { Compensable, Result, StepRunner, Where } from '../walk.ts';

interface Send {
  step: Compensable['step'];
  key: string;
  kind: 'call' | 'compensate';
  spec: { service: string; tool: string; params?: unknown };
  scope: Scope;
  record: StepRecord | undefined;
  policy: NonNullable<StepOf<'call'>['retry']> | undefined;
  timeoutMs: number | undefined;
  signal: AbortSignal;
}

/**
 * Sends a call (a call step, or a compensation) until it succeeds or its retry policy gives up, checkpointed before
 * each attempt and at each retry (with its wake time, so a restart keeps the delay). A record left `running` by a
 * crash is sent again with the same attempt number and idempotency key; one left `retrying` waits out its delay.
 */
async function send(runner: StepRunner, call: Send): Promise<Result> {
  const { step, key, kind, spec, scope, record, policy, signal } = call;
  const idempotencyKey = `${runner.run.runId}:${key}`;
  const data = { service: spec.service, tool: spec.tool, idempotencyKey };
  const maxAttempts = policy?.maxAttempts ?? 1;
  let attempt = record?.attempts ?? 0;
  let resend = record?.status === 'running' && attempt > 0;
  if (record?.status === 'retrying') await runner.sleepUntil(Number(record.data?.nextAt ?? 0), signal);
  for (;;) {
    if (!resend) attempt += 1;
    resend = false;
    runner.setAttempts(key, attempt);
    const params = await runner.params(spec.params, scope, step.id);
    await runner.save(key, step, kind, 'running', { attempts: attempt, data }, kind === 'call' ? 'call' : 'compensate');
    try {
      const what = kind === 'call' ? `step ${step.id}` : `compensation of ${key.replace(/#compensate$/, '')}`;
      const output = await withTimeout(call.timeoutMs, signal, what, (s) =>
        runner.host.call({ stepId: step.id, key, service: spec.service, tool: spec.tool, params, idempotencyKey, attempt }, s),
      );
      return { output, attempts: attempt };
    } catch (error) {
      if (error instanceof Halt) throw error;
      const failure = runner.failureOf(error, step.id);
      if (!policy || failure.type === 'cancelled' || attempt >= maxAttempts || !errorMatches(policy.errorEquals, failure)) {
        throw failure;
      }
      const delay = retryDelay(policy, attempt);
      const nextAt = runner.host.now() + delay;
      await runner.save(
        key,
        step,
        kind,
        'retrying',
        { attempts: attempt, error: failure.toJSON(), data: { ...data, nextAt } },
        'retry',
      );
      runner.host.log.info(
        { run_id: runner.run.runId, step: key, attempt, error_type: failure.type, delay_ms: delay },
        kind === 'call' ? 'workflow step failed; retrying' : 'compensation failed; retrying',
      );
      await runner.sleepUntil(nextAt, signal);
    }
  }
}

export function runCall(runner: StepRunner, step: StepOf<'call'>, scope: Scope, where: Where, key: string, record?: StepRecord) {
  return send(runner, {
    step,
    key,
    kind: 'call',
    spec: step.call,
    scope,
    record,
    policy: step.retry ?? runner.definition.defaults?.retry,
    timeoutMs: step.timeoutMs ?? runner.definition.defaults?.timeoutMs,
    signal: where.signal,
  });
}

/** Runs the compensate calls of completed steps, newest first, each checkpointed; returns what failed. */
export async function compensate(runner: StepRunner, compensable: readonly Compensable[]): Promise<string[]> {
  const entries = [...compensable].sort((a, b) => b.seq - a.seq);
  if (entries.length === 0) return [];
  await runner.host.setRunStatus('compensating');
  const problems: string[] = [];
  for (const entry of entries) {
    const spec = entry.step.compensate;
    if (!spec) continue;
    const key = `${entry.key}#compensate`;
    const record = runner.records.get(key);
    if (record?.status === 'completed') continue;
    if (record?.status === 'failed') {
      problems.push(`compensation of ${entry.key} failed: ${record.error?.message ?? 'unknown error'}`);
      continue;
    }
    const data = { service: spec.service, tool: spec.tool, idempotencyKey: `${runner.run.runId}:${key}` };
    try {
      const { attempts } = await send(runner, {
        step: entry.step,
        key,
        kind: 'compensate',
        spec,
        scope: entry.scope,
        record,
        policy: runner.definition.defaults?.retry,
        timeoutMs: runner.definition.defaults?.timeoutMs,
        signal: runner.haltSignal,
      });
      await runner.save(key, entry.step, 'compensate', 'completed', { attempts, data, finished: true }, 'compensated');
    } catch (error) {
      if (error instanceof Halt) throw error;
      const failure = runner.failureOf(error, entry.step.id);
      const attempts = runner.records.get(key)?.attempts ?? 1;
      await runner.save(
        key,
        entry.step,
        'compensate',
        'failed',
        { attempts, data, error: failure.toJSON(), finished: true },
        'compensated',
      );
      problems.push(`compensation of ${entry.key} failed: ${failure.message}`);
    }
  }
  return problems;
}
