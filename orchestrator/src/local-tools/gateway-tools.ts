import { compileTool } from '@switchboard/shared';
import { acceptToolChange } from './accept-tool-change.ts';
import { getAuditLog } from './get-audit-log.ts';
import { reviewToolChanges } from './review-tool-changes.ts';
import { verifyAuditLog } from './verify-audit-log.ts';

/** The gateway's own tools under `orchestrator.`; the policy gives them to admins only (policy/classes.ts). */
export const gatewayTools = [
  compileTool(reviewToolChanges),
  compileTool(acceptToolChange),
  compileTool(getAuditLog),
  compileTool(verifyAuditLog),
];
