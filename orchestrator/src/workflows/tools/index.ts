import { type CompiledTool, compileTool } from '@switchboard/shared';
import { cancelWorkflow } from './cancel-workflow.ts';
import { approveWorkflowStep, rejectWorkflowStep } from './decide-workflow-step.ts';
import { executeWorkflow } from './execute-workflow.ts';
import { getWorkflowRun } from './get-workflow-run.ts';
import { listWorkflowRuns } from './list-workflow-runs.ts';
import { listWorkflows } from './list-workflows.ts';
import { registerWorkflow } from './register-workflow.ts';
import { resumeWorkflow } from './resume-workflow.ts';

/** The workflow tools under `orchestrator.`; executeWorkflow may be called as an MCP task. */
export function workflowTools(): CompiledTool[] {
  const execute = compileTool(executeWorkflow);
  return [
    { ...execute, listing: { ...execute.listing, execution: { taskSupport: 'optional' } } as CompiledTool['listing'] },
    ...[
      getWorkflowRun,
      listWorkflowRuns,
      cancelWorkflow,
      resumeWorkflow,
      approveWorkflowStep,
      rejectWorkflowStep,
      registerWorkflow,
      listWorkflows,
    ].map((tool) => compileTool(tool)),
  ];
}
