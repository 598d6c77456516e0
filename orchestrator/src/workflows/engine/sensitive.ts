import { type SensitiveMark, sensitiveMarkOf } from '@switchboard/shared';
import type { Step } from '../definition/schema.ts';
import type { ExecutionHost } from './host.ts';
import { SENSITIVE_MARKER } from './walk.ts';

/**
 * Sensitive step outputs. A step is sensitive when its definition says so (`sensitive: true`: the whole output is
 * hidden) or when the tool marked its result (`structuredContent.sensitive`, the secrets service's revealSecret:
 * the fields it names hold secret material, the rest, handle and preview included, is shown). Either way the full
 * output is sealed (AES-256-GCM) in the checkpoint, its secret strings are registered with the process redactor so
 * they are redacted from every later result, log line and progress message, and later steps get the real value in
 * memory.
 */

function markedStrings(output: unknown, mark: SensitiveMark): string[] {
  const out: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  for (const field of mark.fields) collect((output as Record<string, unknown>)[field]);
  return out;
}

/** What is stored and shown for a marked output: the marked fields as `[SENSITIVE]`, the rest redacted. */
function masked(host: ExecutionHost, output: unknown, mark: SensitiveMark): unknown {
  const copy: Record<string, unknown> = { ...(output as Record<string, unknown>) };
  for (const field of mark.fields) if (Object.hasOwn(copy, field)) copy[field] = SENSITIVE_MARKER;
  return host.redact(copy);
}

/** Registers the secret strings of a sensitive output with the redactor (a marked one: its marked fields only). */
export function protectOutput(host: ExecutionHost, step: Step, output: unknown): void {
  const mark = step.sensitive ? undefined : sensitiveMarkOf(output);
  if (mark) host.protect(markedStrings(output, mark), { anyLength: true });
  else if (step.sensitive) host.protect(output);
}

/** Whether a completed step's checkpoint holds a sealed output to open on replay. */
export function isSealed(step: Step, record: { sealed?: string }): boolean {
  return step.sensitive === true || record.sealed !== undefined;
}

/**
 * The checkpoint fields of a completed step's output: as is but redacted; or, for a sensitive one, `[SENSITIVE]`
 * (a definition's `sensitive`) or the masked view (a marked result) plus the sealed full output. Registers the
 * secret strings first, so nothing written after can carry them.
 */
export function storedOutput(host: ExecutionHost, step: Step, output: unknown): { output: unknown; sealed?: string } {
  const mark = step.sensitive ? undefined : sensitiveMarkOf(output);
  if (!step.sensitive && !mark) return { output: host.redact(output) };
  protectOutput(host, step, output);
  return {
    output: mark ? masked(host, output, mark) : SENSITIVE_MARKER,
    sealed: host.seal(output),
  };
}
