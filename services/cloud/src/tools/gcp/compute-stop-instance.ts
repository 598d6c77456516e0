import { defineComputePowerTool } from './compute-power.ts';

export const computeStopInstance = defineComputePowerTool({
  name: 'computeStopInstance',
  title: 'Stop a Compute Engine instance',
  description:
    'Stops a running VM instance (its local SSD data is lost) after a human approves it, and waits for the operation. Needs CLOUD_MODE=write.',
  verb: 'stop',
  destructive: true,
});
