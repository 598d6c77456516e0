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

/** google.cloud.functions.v2 Function.State and Environment, by number (the protos load with the client, lazily). */
const STATES = ['STATE_UNSPECIFIED', 'ACTIVE', 'FAILED', 'DEPLOYING', 'DELETING', 'UNKNOWN'];
const ENVIRONMENTS = ['ENVIRONMENT_UNSPECIFIED', 'GEN_1', 'GEN_2'];

/** Enums arrive as names or numbers depending on the decoding path (list vs long-running operation). */
function enumName(names: readonly string[], value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'number' ? (names[value] ?? String(value)) : value;
}

export function functionRowOf(f: CloudFunction): z.infer<typeof functionRow> {
  const seconds = f.updateTime?.seconds;
  return {
    name: shortName(f.name ?? ''),
    state: enumName(STATES, f.state),
    environment: enumName(ENVIRONMENTS, f.environment),
    runtime: f.buildConfig?.runtime ?? undefined,
    entryPoint: f.buildConfig?.entryPoint ?? undefined,
    url: f.url ?? f.serviceConfig?.uri ?? undefined,
    updated: seconds === undefined || seconds === null ? undefined : new Date(Number(String(seconds)) * 1000).toISOString(),
  };
}

export const FUNCTION_ID = /^[a-z][a-z0-9-]{0,62}$/;
