import { type Caller, ToolError } from '@switchboard/shared';
import type { TaskCall, TaskHook, TaskMethod } from '../downstream/task-hook.ts';
import type { WorkflowEngine } from './engine/engine.ts';
import { isTerminal, type RunRecord } from './store/types.ts';
import { executeWorkflowInput, observerOf, prepareRun } from './tools/execute-workflow.ts';
import { decodeRunCursor, encodeRunCursor } from './tools/list-workflow-runs.ts';
import { runReport, type WorkflowToolContext } from './tools/schemas.ts';

export const RELATED_TASK_META_KEY = 'io.modelcontextprotocol/related-task';
const PAGE = 50;

/** MCP task status of a run; a cancellation request is final at once (the spec's tasks/cancel rule). */
function taskStatus(run: RunRecord): 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled' {
  if (run.cancelRequested || run.status === 'cancelled') return 'cancelled';
  if (run.status === 'completed' || run.status === 'failed') return run.status;
  return run.status === 'input_required' ? 'input_required' : 'working';
}

function statusMessage(run: RunRecord): string | undefined {
  if (run.cancelRequested || run.status === 'cancelled') return 'the workflow run was cancelled';
  if (run.status === 'failed') return run.error ? `${run.error.type}: ${run.error.message}` : 'the workflow run failed';
  if (run.status === 'input_required')
    return 'an approval step waits: answer the elicitation, or call orchestrator.approveWorkflowStep';
  if (run.status === 'compensating') return 'compensating completed steps';
  return undefined;
}

/**
 * MCP tasks (2025-11-25) for executeWorkflow, backed by the run store: the task id is the run id, so a task
 * survives restarts and is served by any replica. Every run a caller started is one of its tasks (so a task call
 * whose idempotencyKey returns an earlier, synchronous run still gets a task); other callers' runs are not found.
 */
export function createWorkflowTaskHook(engine: WorkflowEngine): TaskHook {
  const task = (run: RunRecord) => {
    const message = statusMessage(run);
    return {
      taskId: run.runId,
      status: taskStatus(run),
      ...(message ? { statusMessage: message } : {}),
      createdAt: new Date(run.createdAt).toISOString(),
      lastUpdatedAt: new Date(run.updatedAt).toISOString(),
      ttl: run.task?.ttl ?? null,
      pollInterval: engine.config.pollIntervalMs,
    };
  };

  const owned = async (params: Record<string, unknown>, caller: Caller): Promise<RunRecord> => {
    const taskId = params.taskId;
    if (typeof taskId !== 'string' || taskId === '') throw new ToolError('INVALID_ARGUMENT', 'taskId is required');
    const run = await engine.getRun(taskId);
    if (!run || run.caller !== caller.id)
      throw new ToolError('INVALID_ARGUMENT', `Failed to retrieve task: Task not found: ${taskId}`);
    return run;
  };

  return {
    async createTask(call: TaskCall) {
      const parsed = executeWorkflowInput.safeParse(call.arguments ?? {});
      if (!parsed.success) {
        throw new ToolError(
          'INVALID_ARGUMENT',
          `invalid arguments for executeWorkflow: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
        );
      }
      const args = parsed.data;
      if (args.mode !== 'run')
        throw new ToolError('INVALID_ARGUMENT', `mode ${args.mode} answers at once; call it without a task`);
      await engine.ready();
      const ctx = call.ctx as WorkflowToolContext;
      const { definition, fromRegistry } = await prepareRun(engine, args, ctx.clients.permission);
      // Elicitations of the task carry the related-task key; runId is only known after start, so fill it in lazily.
      const meta: Record<string, unknown> = {};
      const observer = observerOf(ctx, meta);
      const ttl = typeof call.task.ttl === 'number' ? call.task.ttl : null;
      const { run } = await engine.startRun({
        definition,
        fromRegistry,
        input: args.input,
        caller: ctx.caller.id,
        task: { ttl },
        observer,
        ...(args.idempotencyKey ? { idempotencyKey: args.idempotencyKey } : {}),
      });
      meta[RELATED_TASK_META_KEY] = { taskId: run.runId };
      return { task: task(run) };
    },

    async handle(method: TaskMethod, params: Record<string, unknown>, caller: Caller) {
      switch (method) {
        case 'tasks/get':
          return task(await owned(params, caller));
        case 'tasks/result': {
          const run = await owned(params, caller);
          const final = await engine.waitFor(run.runId, { untilTerminal: true });
          if (!isTerminal(final.status)) throw new ToolError('UNSUPPORTED', 'the orchestrator is shutting down; ask again');
          const report = runReport(await engine.requireView(run.runId), true);
          return {
            content: [{ type: 'text', text: JSON.stringify(report) }],
            structuredContent: report,
            ...(final.status === 'completed' ? {} : { isError: true }),
            _meta: { [RELATED_TASK_META_KEY]: { taskId: run.runId } },
          };
        }
        case 'tasks/list': {
          const scope = { list: 'tasks', caller: caller.id };
          const after = params.cursor === undefined ? undefined : decodeRunCursor(String(params.cursor), scope);
          const { runs } = await engine.listRuns({ caller: caller.id }, PAGE + 1, after);
          const page = runs.slice(0, PAGE);
          const last = page.at(-1);
          return {
            tasks: page.map(task),
            ...(runs.length > PAGE && last
              ? { nextCursor: encodeRunCursor({ createdAt: last.createdAt, runId: last.runId }, scope) }
              : {}),
          };
        }
        case 'tasks/cancel': {
          const run = await owned(params, caller);
          if (isTerminal(run.status) || run.cancelRequested) {
            throw new ToolError('INVALID_ARGUMENT', `Cannot cancel task ${run.runId}: it is already ${taskStatus(run)}`);
          }
          return task(await engine.cancel(run.runId));
        }
      }
    },
  };
}
