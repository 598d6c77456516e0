import type { ToolContext } from '@switchboard/shared';
import type { SamplingChannel, SamplingParams, SamplingResult } from '../providers/types.ts';

/**
 * What the kit's ToolContext needs to offer for the sampling provider, mirroring `canElicit`/`elicit`: whether the
 * connected client declared the sampling capability, and a way to send it sampling/createMessage (through the
 * orchestrator's relay when the client is connected there). The kit does not offer it yet (see README); this file
 * is the one place that reads it.
 */
interface SamplingContext {
  readonly canSample?: boolean;
  sample?(params: SamplingParams, options: { signal: AbortSignal; timeoutMs: number }): Promise<SamplingResult>;
}

export const KIT_CANNOT_SAMPLE = 'this build of the service kit cannot send sampling/createMessage from a tool yet';
export const CLIENT_CANNOT_SAMPLE = 'the connected client did not declare the sampling capability';

/** The session's sampling channel, or why there is none. */
export function samplingOf(ctx: ToolContext): { sampling: SamplingChannel } | { samplingUnavailable: string } {
  const sampling = ctx as unknown as SamplingContext;
  if (typeof sampling.sample !== 'function') return { samplingUnavailable: KIT_CANNOT_SAMPLE };
  if (sampling.canSample !== true) return { samplingUnavailable: CLIENT_CANNOT_SAMPLE };
  const sample = sampling.sample.bind(ctx);
  return { sampling: { createMessage: (params, signal, timeoutMs) => sample(params, { signal, timeoutMs }) } };
}
