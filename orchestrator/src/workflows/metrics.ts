import { Counter, DURATION_BUCKETS, Gauge, Histogram, type ServiceMetrics } from '@switchboard/shared';

type Registry = ServiceMetrics['registry'];

export interface WorkflowMetrics {
  runs: Counter<'workflow' | 'status'>;
  stepDuration: Histogram<'workflow' | 'kind'>;
  active: Gauge<'workflow'>;
}

/** The workflow metrics, registered in the orchestrator's registry (served at /metrics). */
export function createWorkflowMetrics(registry: Registry): WorkflowMetrics {
  const registers = [registry];
  return {
    runs: new Counter({
      name: 'switchboard_workflow_runs_total',
      help: 'Workflow runs that reached a final status (completed, failed, cancelled), by workflow',
      labelNames: ['workflow', 'status'],
      registers,
    }),
    stepDuration: new Histogram({
      name: 'switchboard_workflow_step_duration_seconds',
      help: 'Duration of executed workflow steps (replayed steps are not counted), by workflow and step kind',
      labelNames: ['workflow', 'kind'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    active: new Gauge({
      name: 'switchboard_workflow_runs_active',
      help: 'Workflow runs this replica is driving now',
      labelNames: ['workflow'],
      registers,
    }),
  };
}
