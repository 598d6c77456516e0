import type { AttributeValue, CiSummary, CiType, ConfigItem, FieldChange, RelationshipType } from '../model.ts';

/** The shapes the CMDB store takes and returns. */

/** Who made a change, recorded in the changelog. */
export interface Mutator {
  actor: string;
  correlationId: string;
}

export interface SearchFilter {
  type?: CiType | undefined;
  environment?: string | undefined;
  owner?: string | undefined;
  tags?: string[] | undefined;
  attributes?: Record<string, AttributeValue> | undefined;
  q?: string | undefined;
}

export interface UpsertInput {
  id?: string | undefined;
  type: CiType;
  name: string;
  environment?: string | null | undefined;
  owner?: string | null | undefined;
  tags?: string[] | undefined;
  /** Values set to null are removed (merge mode). */
  attributes?: Record<string, AttributeValue | null> | undefined;
  attributesMode?: 'merge' | 'replace' | undefined;
}

export type UpsertAction = 'created' | 'updated' | 'unchanged';

export interface UpsertOutcome {
  action: UpsertAction;
  item: ConfigItem;
  changes: FieldChange[];
}

/** A CI as getItem and the resource show it: the item and its relationships in both directions. */
export interface ItemView {
  item: ConfigItem;
  relationships: {
    outgoing: { type: RelationshipType; target: CiSummary }[];
    incoming: { type: RelationshipType; source: CiSummary }[];
    outgoingTotal: number;
    incomingTotal: number;
  };
}

export interface Relationship {
  type: RelationshipType;
  source: ConfigItem;
  target: ConfigItem;
}

export interface ImpactEntry {
  item: ConfigItem;
  depth: number;
  relationship: RelationshipType;
  via: string;
  path: string[];
}

export interface ChangelogFilter {
  ciId?: string | undefined;
  ciType?: CiType | undefined;
  ciName?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  since?: string | undefined;
}

export interface ChangelogEntry {
  seq: number;
  at: string;
  actor: string;
  correlationId: string | null;
  action: string;
  ci: { id: string | null; type: string | null; name: string | null };
  changes: FieldChange[];
  before: unknown;
  after: unknown;
}
