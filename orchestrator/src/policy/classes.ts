import type { ToolClass } from './schema.ts';

/** A tool's annotations as the policy reads them. */
export interface Hints {
  readOnlyHint?: unknown;
  destructiveHint?: unknown;
}

const RANK: Record<ToolClass, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * The least class a caller needs to use a tool, from its annotations read as MCP defines them: `readOnlyHint: true`
 * is a viewer's tool, `destructiveHint: false` an operator's, anything else (destructive, or not saying) an admin's.
 */
export function classOfHints(hints: Hints | undefined): ToolClass {
  if (hints?.readOnlyHint === true) return 'viewer';
  if (hints?.destructiveHint === false) return 'operator';
  return 'admin';
}

export function classAllows(granted: ToolClass, needed: ToolClass): boolean {
  return RANK[granted] >= RANK[needed];
}

/**
 * The orchestrator's own tools whose class is not their annotations'. The gateway's review and audit tools are for
 * admins whatever they touch; executeWorkflow is an operator's, because every step of the run is checked against
 * the submitter's own roles (at validation and before each call).
 */
export const LOCAL_TOOL_CLASSES: Readonly<Record<string, ToolClass>> = {
  reviewToolChanges: 'admin',
  acceptToolChange: 'admin',
  getAuditLog: 'admin',
  verifyAuditLog: 'admin',
  executeWorkflow: 'operator',
};
