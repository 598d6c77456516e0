import { protos } from '@google-cloud/functions';
import { z } from '@switchboard/shared';

export const functionRow = z.object({
  name: z.string(),
  state: z.string().optional(),
  environment: z.string().optional(),
  runtime: z.string().optional(),
  entryPoint: z.string().optional(),
  url: z.string().optional(),
  updated: z.string().optional(),
});

interface Timestamp {
  seconds?: string | number | { toString(): string } | null;
}

export interface CloudFunction {
  name?: string | null;
  state?: string | number | null;
  environment?: string | number | null;
  url?: string | null;
  updateTime?: Timestamp | null;
  buildConfig?: { runtime?: string | null; entryPoint?: string | null } | null;
  serviceConfig?: { uri?: string | null } | null;
}

export function shortName(name: string): string {
  return name.split('/').pop() ?? name;
}

const FN = protos.google.cloud.functions.v2;

/** Enums arrive as names or numbers depending on the decoding path (list vs long-running operation). */
function enumName(
  values: Record<string | number, string | number>,
  value: string | number | null | undefined,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'number' ? String(values[value] ?? value) : value;
}

export function functionRowOf(f: CloudFunction): z.infer<typeof functionRow> {
  const seconds = f.updateTime?.seconds;
  return {
    name: shortName(f.name ?? ''),
    state: enumName(FN.Function.State as unknown as Record<number, string>, f.state),
    environment: enumName(FN.Environment as unknown as Record<number, string>, f.environment),
    runtime: f.buildConfig?.runtime ?? undefined,
    entryPoint: f.buildConfig?.entryPoint ?? undefined,
    url: f.url ?? f.serviceConfig?.uri ?? undefined,
    updated: seconds === undefined || seconds === null ? undefined : new Date(Number(String(seconds)) * 1000).toISOString(),
  };
}

export const FUNCTION_ID = /^[a-z][a-z0-9-]{0,62}$/;
