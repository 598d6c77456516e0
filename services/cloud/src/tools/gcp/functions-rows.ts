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

export function functionRowOf(f: CloudFunction): z.infer<typeof functionRow> {
  const seconds = f.updateTime?.seconds;
  return {
    name: shortName(f.name ?? ''),
    state: f.state === null || f.state === undefined ? undefined : String(f.state),
    environment: f.environment === null || f.environment === undefined ? undefined : String(f.environment),
    runtime: f.buildConfig?.runtime ?? undefined,
    entryPoint: f.buildConfig?.entryPoint ?? undefined,
    url: f.url ?? f.serviceConfig?.uri ?? undefined,
    updated: seconds === undefined || seconds === null ? undefined : new Date(Number(String(seconds)) * 1000).toISOString(),
  };
}

export const FUNCTION_ID = /^[a-z][a-z0-9-]{0,62}$/;
