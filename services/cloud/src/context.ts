import type { RequestContext, ToolContext } from '@switchboard/shared';
import type { AwsClients } from './aws/clients.ts';
import type { CloudConfig } from './config.ts';
import type { GcpClients } from './gcp/clients.ts';

export interface CloudClients {
  aws: AwsClients;
  gcp: GcpClients;
}

export type CloudToolContext = ToolContext<CloudConfig, CloudClients>;
export type CloudRequestContext = RequestContext<CloudConfig, CloudClients>;
