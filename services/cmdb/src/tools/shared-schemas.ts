import { ToolError, z } from '@switchboard/shared';
import { type CiRef, ciRefShape, ciSummarySchema, summaryOf } from '../model.ts';
import type { Relationship } from '../store/cmdb-store.ts';

/** Checks that a CI reference names one item: an id, or a type and a name. */
export function requireRef(ref: CiRef, role = 'the CI'): CiRef {
  if (ref.id) return { id: ref.id };
  if (ref.type && ref.name) return { type: ref.type, name: ref.name };
  throw new ToolError('INVALID_ARGUMENT', `identify ${role} by id, or by type and name`);
}

export const refInput = z.object(ciRefShape).describe('A CI: { id } or { type, name }');

export const relationshipOutput = z.object({
  source: ciSummarySchema,
  type: z.string(),
  target: ciSummarySchema,
});

export function relationshipView(relationship: Relationship): z.infer<typeof relationshipOutput> {
  return { source: summaryOf(relationship.source), type: relationship.type, target: summaryOf(relationship.target) };
}
