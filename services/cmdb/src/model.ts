import { z } from '@switchboard/shared';

/** The kinds of configuration item the CMDB holds. */
export const CI_TYPES = ['host', 'service', 'database', 'cluster'] as const;
export type CiType = (typeof CI_TYPES)[number];

/**
 * Typed relationships, read as "source <type> target": a service runs_on a host, a service depends_on a
 * database, a host is a member_of a cluster. When the target fails, the source is affected.
 */
export const RELATIONSHIP_TYPES = ['runs_on', 'depends_on', 'member_of'] as const;
export type RelationshipType = (typeof RELATIONSHIP_TYPES)[number];

export type AttributeValue = string | number | boolean;

export interface ConfigItem {
  id: string;
  type: CiType;
  name: string;
  environment: string | null;
  owner: string | null;
  tags: string[];
  attributes: Record<string, AttributeValue>;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export const ciTypeSchema = z.enum(CI_TYPES).describe(`CI type: ${CI_TYPES.join(', ')}`);
export const relationshipTypeSchema = z
  .enum(RELATIONSHIP_TYPES)
  .describe('runs_on (service on host), depends_on (needs), member_of (host in cluster); read as source <type> target');

export const ATTRIBUTE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
export const attributeKeySchema = z.string().regex(ATTRIBUTE_KEY, 'attribute keys are 1-64 characters: letters, digits, _ . -');
/** Text that both databases store: PostgreSQL refuses NUL characters in text. */
export function text() {
  return z.string().refine((value) => !value.includes('\0'), 'NUL characters are not allowed');
}

export const attributeValueSchema = z.union([text().max(4096), z.number(), z.boolean()]);

export const ciNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[^\p{Cc}]+$/u, 'names cannot contain control characters')
  .describe('Name, unique within its type (e.g. a hostname)');

export const environmentSchema = text().trim().toLowerCase().min(1).max(64);
export const tagSchema = text().trim().min(1).max(64);

export const ciItemSchema = z.object({
  id: z.string(),
  type: ciTypeSchema,
  name: z.string(),
  environment: z.string().nullable(),
  owner: z.string().nullable(),
  tags: z.array(z.string()),
  attributes: z.record(z.string(), attributeValueSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});

export const ciSummarySchema = z.object({
  id: z.string(),
  type: ciTypeSchema,
  name: z.string(),
  environment: z.string().nullable(),
});
export type CiSummary = z.infer<typeof ciSummarySchema>;

export function summaryOf(item: ConfigItem): CiSummary {
  return { id: item.id, type: item.type, name: item.name, environment: item.environment };
}

/** Identifies one CI: by id, or by its natural key type + name. */
export const ciRefShape = {
  id: z.string().min(1).optional().describe('CI id; alternatively give type and name'),
  type: ciTypeSchema.optional(),
  name: z.string().min(1).optional().describe('CI name (with type)'),
};
export const ciRefSchema = z.object(ciRefShape);
export type CiRef = z.infer<typeof ciRefSchema>;

export function refLabel(ref: CiRef): string {
  return ref.id ? `id ${ref.id}` : `${ref.type}/${ref.name}`;
}

export const fieldChangeSchema = z.object({
  field: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type FieldChange = z.infer<typeof fieldChangeSchema>;
