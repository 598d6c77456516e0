import { defineComputePowerTool } from './compute-power.ts';

export const computeStartInstance = defineComputePowerTool({
  name: 'computeStartInstance',
  title: 'Start a Compute Engine instance',
  description: 'Starts a stopped VM instance and waits for the operation. Needs CLOUD_MODE=write.',
  verb: 'start',
  destructive: false,
});
