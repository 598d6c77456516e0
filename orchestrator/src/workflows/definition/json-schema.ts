import { z } from '@switchboard/shared';
import { definitionSchema, schemaIds } from './schema.ts';

export const WORKFLOW_SCHEMA_ID = 'urn:switchboard:schema:workflow:switchboard-v1';

/**
 * The published JSON Schema (draft-07) of `switchboard/v1`, generated from the zod schema the engine validates
 * with. orchestrator/schemas/workflow.schema.json is this, written by `pnpm --filter ./orchestrator workflow-schema`;
 * a test keeps the file equal to it.
 */
export function workflowJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(definitionSchema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    metadata: schemaIds,
  });
  const text = JSON.stringify({ ...generated, $id: WORKFLOW_SCHEMA_ID, title: 'Switchboard workflow (switchboard/v1)' });
  return JSON.parse(text.replaceAll('__schema0', 'step')) as Record<string, unknown>;
}

/** The file's text: two-space JSON with a final newline. */
export function workflowJsonSchemaText(): string {
  return `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(workflowJsonSchemaText());
