export { DEFAULT_UPSTREAMS, loadOrchestratorConfig, type OrchestratorConfig, type UpstreamConfig } from './config.ts';
export { Federation } from './federation.ts';
export { createOrchestrator, type Orchestrator, type OrchestratorOptions } from './runtime.ts';
