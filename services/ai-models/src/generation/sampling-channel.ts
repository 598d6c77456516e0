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

/** Whether this build's kit can send sampling/createMessage from a tool at all. */
export function kitCanSample(ctx: ToolContext): boolean {
  return typeof (ctx as unknown as SamplingContext).sample === 'function';
}

/** The session's sampling channel, or undefined when the kit or the client cannot sample. */
export function samplingChannelOf(ctx: ToolContext): SamplingChannel | undefined {
  const sampling = ctx as unknown as SamplingContext;
  if (typeof sampling.sample !== 'function' || sampling.canSample !== true) return undefined;
  const sample = sampling.sample.bind(ctx);
  return { createMessage: (params, signal, timeoutMs) => sample(params, { signal, timeoutMs }) };
}
