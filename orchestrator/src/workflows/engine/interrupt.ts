/**
 * The reason an engine AbortController aborts with, so whoever catches the rejection knows why: the engine is
 * halting the run (closing, lease lost), the run was cancelled, a sibling branch failed, or a time limit passed.
 */
export class Interrupt extends Error {
  readonly kind: 'halt' | 'cancel' | 'sibling' | 'timeout';

  constructor(kind: Interrupt['kind'], message: string) {
    super(message);
    this.name = 'Interrupt';
    this.kind = kind;
  }
}

/** Runs `work` under a signal that also aborts after `ms` (with an Interrupt of kind timeout). */
export async function withTimeout<T>(
  ms: number | undefined,
  signal: AbortSignal,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (!ms) return work(signal);
  const timer = new AbortController();
  const handle = setTimeout(() => timer.abort(new Interrupt('timeout', `${what} timed out after ${ms} ms`)), ms);
  try {
    return await work(AbortSignal.any([signal, timer.signal]));
  } finally {
    clearTimeout(handle);
  }
}
