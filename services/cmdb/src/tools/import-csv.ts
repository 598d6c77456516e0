import { defineTool, z } from '@switchboard/shared';
import { type CmdbToolContext, mutate, mutatorOf } from '../context.ts';
import { parseCsv } from '../csv.ts';
import { ATTRIBUTE_KEY, ciTypeSchema } from '../model.ts';
import type { UpsertInput } from '../store/cmdb-store.ts';
import { upsertFields } from './upsert-item.ts';

const MAX_ERRORS_LISTED = 100;

const COLUMN_ALIASES: Record<string, 'name' | 'type' | 'environment' | 'owner' | 'tags'> = {
  name: 'name',
  hostname: 'name',
  host: 'name',
  type: 'type',
  environment: 'environment',
  env: 'environment',
  owner: 'owner',
  tags: 'tags',
};

const rowSchema = z.object(upsertFields);

function attributeValue(key: string, raw: string): string | number {
  if ((key === 'port' || key.endsWith('_port')) && /^\d{1,5}$/.test(raw)) return Number(raw);
  return raw;
}

export const importCsv = defineTool({
  name: 'importCsv',
  title: 'Import CIs from CSV',
  description:
    'Upserts CIs from CSV with a header row, e.g. hostname,ip,os,environment,role,ssh_user,ssh_port,tags (tags separated by ; or spaces). name/hostname, type, environment, owner and tags map to CI fields; other columns become attributes. Bad rows are reported by line and skipped; the good rows are written in one transaction. Re-importing the same file changes nothing.',
  input: z.object({
    csv: z
      .string()
      .min(1)
      .max(5 * 1024 * 1024),
    defaultType: ciTypeSchema.default('host').describe('Type for rows without a type column'),
    dryRun: z.boolean().default(false),
  }),
  output: z.object({
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    failed: z.number().int(),
    errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
    errorsTotal: z.number().int(),
    dryRun: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  truncationHint: 'fix the first errors listed and import again',
  handler: async (args, ctx: CmdbToolContext) => {
    const { records, problems } = parseCsv(args.csv);
    const errors = [...problems];
    const [header, ...rows] = records;
    const inputs: { line: number; input: UpsertInput }[] = [];
    if (!header) {
      errors.push({ line: 1, message: 'the CSV has no header row' });
    } else {
      const columns = header.fields.map((raw) => raw.trim().toLowerCase());
      if (!columns.some((c) => COLUMN_ALIASES[c] === 'name')) {
        errors.push({ line: header.line, message: 'the header needs a name or hostname column' });
      }
      const badColumns = columns.filter((c) => !COLUMN_ALIASES[c] && !ATTRIBUTE_KEY.test(c));
      for (const column of badColumns) {
        errors.push({ line: header.line, message: `column "${column}" is not a valid attribute name; its values are ignored` });
      }
      const seen = new Map<string, number>();
      for (const row of header && columns.some((c) => COLUMN_ALIASES[c] === 'name') ? rows : []) {
        if (row.fields.length !== columns.length) {
          errors.push({
            line: row.line,
            message: `line ${row.line}: expected ${columns.length} fields as in the header, got ${row.fields.length}`,
          });
          continue;
        }
        const candidate: Record<string, unknown> = { type: args.defaultType };
        const attributes: Record<string, string | number> = {};
        columns.forEach((column, index) => {
          const value = (row.fields[index] ?? '').trim();
          if (value === '' || badColumns.includes(column)) return;
          const field = COLUMN_ALIASES[column];
          if (field === 'tags') candidate.tags = value.split(/[;|\s]+/).filter(Boolean);
          else if (field) candidate[field] = value;
          else attributes[column] = attributeValue(column, value);
        });
        if (Object.keys(attributes).length > 0) candidate.attributes = attributes;
        const parsed = rowSchema.safeParse(candidate);
        if (!parsed.success) {
          const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
          errors.push({ line: row.line, message: `line ${row.line}: ${detail}` });
          continue;
        }
        const key = `${parsed.data.type}/${parsed.data.name}`;
        const first = seen.get(key);
        if (first !== undefined) {
          errors.push({ line: row.line, message: `line ${row.line}: ${key} repeats line ${first}` });
          continue;
        }
        seen.set(key, row.line);
        inputs.push({ line: row.line, input: parsed.data });
      }
    }
    const store = await ctx.clients.store();
    const result =
      inputs.length > 0
        ? await mutate(ctx, args.dryRun, () => store.upsertMany(inputs, mutatorOf(ctx), args.dryRun))
        : { outcomes: [], errors: [] };
    errors.push(...result.errors);
    errors.sort((a, b) => a.line - b.line);
    const count = (action: string) => result.outcomes.filter((o) => o.action === action).length;
    return {
      rows: Math.max(0, records.length - 1) + problems.length,
      created: count('created'),
      updated: count('updated'),
      unchanged: count('unchanged'),
      failed: new Set(errors.filter((e) => e.line > (header?.line ?? 0)).map((e) => e.line)).size,
      errors: errors.slice(0, MAX_ERRORS_LISTED),
      errorsTotal: errors.length,
      dryRun: args.dryRun,
    };
  },
});
