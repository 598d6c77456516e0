import type { ToolContext } from '@switchboard/shared';
import type { SamplingChannel, SamplingParams, SamplingResult } from '../providers/types.ts';

/**
 * What the sampling provider uses of the kit's ToolContext, mirroring `canElicit`/`elicit`: whether the connected
 * client declared the sampling capability, and `ctx.sample` sending it sampling/createMessage (through the
 * orchestrator's relay when the client is connected there). Optional in the kit's type (a host that builds its own
 * contexts may lack them); this file is the one place that reads them.
 */
interface SamplingContext {
  readonly canSample?: boolean;
  sample?(params: SamplingParams, options: { signal: AbortSignal; timeoutMs: number }): Promise<SamplingResult>;
}

export const KIT_CANNOT_SAMPLE = 'this host cannot send sampling/createMessage from a tool';
export const CLIENT_CANNOT_SAMPLE = 'the connected client did not declare the sampling capability';

/** The session's sampling channel, or why there is none. */
export function samplingOf(ctx: ToolContext): { sampling: SamplingChannel } | { samplingUnavailable: string } {
  const sampling = ctx as unknown as SamplingContext;
  if (typeof sampling.sample !== 'function') return { samplingUnavailable: KIT_CANNOT_SAMPLE };
  if (sampling.canSample !== true) return { samplingUnavailable: CLIENT_CANNOT_SAMPLE };
  const sample = sampling.sample.bind(ctx);
  return { sampling: { createMessage: (params, signal, timeoutMs) => sample(params, { signal, timeoutMs }) } };
}
