import { ToolError } from '@switchboard/shared';
import type { CloudRequestContext } from '../context.ts';

/** Where a call acts: provider, account or project, region; named in every mutation's result and approval prompt. */
export interface Target {
  provider: 'aws' | 'gcp';
  account?: string;
  project?: string;
  region: string;
  zone?: string;
}

/** The AWS region of a call: the configured default, or the one asked for if the allowlist has it. */
export function awsRegionOf(ctx: CloudRequestContext, requested: string | undefined): string {
  const region = requested ?? ctx.config.awsRegion;
  const allowed = ctx.config.awsAllowedRegions.length > 0 ? ctx.config.awsAllowedRegions : [ctx.config.awsRegion];
  if (!allowed.includes(region)) {
    throw new ToolError('POLICY_VIOLATION', `AWS region ${region} is not allowed (CLOUD_AWS_REGIONS: ${allowed.join(', ')})`, {
      details: { kind: 'region', name: region, setting: 'CLOUD_AWS_REGIONS' },
    });
  }
  return region;
}

export async function awsTarget(ctx: CloudRequestContext, region: string): Promise<Target> {
  return { provider: 'aws', account: await ctx.clients.aws.account(), region };
}

export async function gcpProjectOf(ctx: CloudRequestContext, requested: string | undefined): Promise<string> {
  const project = requested ?? (await ctx.clients.gcp.defaultProject());
  const configured = ctx.config.gcpAllowedProjects;
  const allowed = configured.length > 0 ? configured : [await ctx.clients.gcp.defaultProject()];
  if (!allowed.includes(project)) {
    throw new ToolError('POLICY_VIOLATION', `GCP project ${project} is not allowed (CLOUD_GCP_PROJECTS: ${allowed.join(', ')})`, {
      details: { kind: 'project', name: project, setting: 'CLOUD_GCP_PROJECTS' },
    });
  }
  return project;
}

export function gcpRegionOf(ctx: CloudRequestContext, requested: string | undefined): string {
  const region = requested ?? ctx.config.gcpRegion;
  const allowed = ctx.config.gcpAllowedRegions.length > 0 ? ctx.config.gcpAllowedRegions : [ctx.config.gcpRegion];
  if (!allowed.includes(region)) {
    throw new ToolError('POLICY_VIOLATION', `GCP region ${region} is not allowed (CLOUD_GCP_REGIONS: ${allowed.join(', ')})`, {
      details: { kind: 'region', name: region, setting: 'CLOUD_GCP_REGIONS' },
    });
  }
  return region;
}

/** A zone such as europe-west1-b is allowed when its region is. */
export function gcpZoneOf(ctx: CloudRequestContext, requested: string | undefined): { zone: string; region: string } {
  const zone = requested ?? ctx.config.gcpZone;
  const match = /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(zone);
  if (!match?.[1]) throw new ToolError('INVALID_ARGUMENT', `"${zone}" is not a GCP zone such as us-central1-a`);
  return { zone, region: gcpRegionOf(ctx, match[1]) };
}
