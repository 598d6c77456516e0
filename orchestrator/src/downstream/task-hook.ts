/** The task hook's types live with the orchestrator's own tools; re-exported for the workflow engine's imports. */
export { TASK_METHODS, type TaskCall, type TaskHook, type TaskMethod } from '../local-tools/task-hook.ts';
