import { passthroughSuite } from './passthrough-suite.ts';

/** Pass-through of every MCP feature with the orchestrator's HTTP fast paths (the default). */
passthroughSuite(true);
