import { setTimeout as wait } from 'node:timers/promises';

const MAX_TIMER_MS = 2_147_483_647;

/**
 * The one sleep (node:timers/promises): resolves after `ms`. With a signal it stops early, rejecting with the
 * signal's reason (what it was aborted with, not a generic AbortError), so callers can tell why. Callers that only
 * want to stop waiting write `await sleep(ms, signal).catch(() => {})`.
 */
export async function sleep(ms: number, signal?: AbortSignal, options: { ref?: boolean } = {}): Promise<void> {
  if (signal?.aborted) throw signal.reason;
  try {
    // ref false: the timer alone does not keep the process alive (background reconnect loops).
    await wait(Math.min(Math.max(0, ms), MAX_TIMER_MS), undefined, { ...(signal ? { signal } : {}), ref: options.ref ?? true });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
