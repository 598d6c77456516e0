import { setTimeout as wait } from 'node:timers/promises';

const MAX_TIMER_MS = 2_147_483_647;

/**
 * The one sleep (node:timers/promises): resolves after `ms`. With a signal it stops early, rejecting with the
 * signal's reason (what it was aborted with, not a generic AbortError), so callers can tell why. Callers that only
 * want to stop waiting write `await sleep(ms, signal).catch(() => {})`.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw signal.reason;
  try {
    await wait(Math.min(Math.max(0, ms), MAX_TIMER_MS), undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
