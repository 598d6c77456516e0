import { z } from '@switchboard/shared';

export const targetSchema = z
  .object({
    provider: z.enum(['aws', 'gcp']),
    account: z.string().optional(),
    project: z.string().optional(),
    region: z.string(),
    zone: z.string().optional(),
  })
  .describe('Where the call acted: the AWS account or GCP project, and the region');

export const approvalSchema = z
  .enum(['not_required', 'accepted', 'auto'])
  .describe('not_required (not destructive), accepted (a human approved it), auto (CLOUD_APPROVAL_MODE=auto)');

export const awsRegionInput = z
  .string()
  .min(1)
  .optional()
  .describe('AWS region; the configured default when omitted (must be on CLOUD_AWS_REGIONS)');
export const gcpProjectInput = z.string().min(1).optional().describe('GCP project; the configured default when omitted');
export const gcpRegionInput = z.string().min(1).optional().describe('GCP region; the configured default when omitted');
export const gcpZoneInput = z.string().min(1).optional().describe('GCP zone; the configured default when omitted');

/** Content to upload: exactly one of text, base64 or a local file under CLOUD_FILE_ROOTS. */
export const uploadSource = {
  content: z.string().optional().describe('Text content (UTF-8)'),
  contentBase64: z.string().optional().describe('Binary content, base64'),
  file: z.string().optional().describe('Absolute path of a local file under CLOUD_FILE_ROOTS'),
};

export const objectReadMode = z
  .enum(['auto', 'text', 'url', 'metadata'])
  .default('auto')
  .describe('auto: text when small and textual, else a signed URL; text; url; metadata only');

const TEXT_TYPES = /^(text\/|application\/(json|xml|yaml|x-yaml|javascript|x-ndjson|csv|sql|toml)|.*\+(json|xml)$)/i;

/** Whether bytes can be shown as text: a textual content type, or valid UTF-8 without NUL or control bytes. */
export function looksLikeText(contentType: string | undefined, sample?: Uint8Array): boolean {
  if (contentType && TEXT_TYPES.test(contentType)) return true;
  if (!sample) return false;
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample);
    return true;
  } catch {
    return false;
  }
}

export function isoOf(value: Date | string | number | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * The most bytes of text a result carries: CLOUD_MAX_TEXT_BYTES, but never so much that the kit's output cap would
 * have to cut the result (a quarter is left for the other fields and JSON escaping).
 */
export function textCapOf(config: { maxTextBytes: number; outputCapBytes: number }): number {
  return Math.min(config.maxTextBytes, Math.floor(config.outputCapBytes * 0.75));
}
