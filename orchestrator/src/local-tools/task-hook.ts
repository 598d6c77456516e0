import type { Caller, CompiledTool, ToolContext } from '@switchboard/shared';

/** The task methods of MCP (2025-11-25) that a client session hands to the task hook. */
export const TASK_METHODS = ['tasks/get', 'tasks/result', 'tasks/list', 'tasks/cancel'] as const;
export type TaskMethod = (typeof TASK_METHODS)[number];

/** A task-augmented `tools/call` of one of the orchestrator's own tools. */
export interface TaskCall {
  tool: CompiledTool;
  arguments: unknown;
  /** `params.task` of the request (`{ ttl? }`). */
  task: { ttl?: number };
  meta: Record<string, unknown>;
  /** The same context a plain call gets; its signal ends with the session, not with the task. */
  ctx: ToolContext;
}

/**
 * Serves MCP tasks for the orchestrator's own tools: `createTask` answers a task-augmented call with a
 * CreateTaskResult (`{ task }`) and runs the tool in the background; `handle` answers `tasks/*`. Results are
 * JSON-RPC `result` objects; a thrown ToolError becomes a JSON-RPC error.
 */
export interface TaskHook {
  createTask(call: TaskCall): Promise<Record<string, unknown>>;
  handle(method: TaskMethod, params: Record<string, unknown>, caller: Caller): Promise<Record<string, unknown>>;
}
