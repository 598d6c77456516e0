import { sleep } from '@switchboard/shared';

/** The abort reason of a call the client cancelled explicitly (as opposed to a session that ended). */
export const CLIENT_CANCELLED = 'client-cancelled';
export const SESSION_CLOSED = 'session-closed';
export type CancelReason = typeof CLIENT_CANCELLED | typeof SESSION_CLOSED;

/**
 * Cancellation for one proxied call without EventTarget bookkeeping (AbortSignal listeners cost more than the
 * rest of a forwarded call). Listeners registered after cancellation run at once.
 */
export class CancelToken {
  #aborted = false;
  #reason: CancelReason = CLIENT_CANCELLED;
  #listeners: (() => void)[] | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Why it was cancelled: the client asked (`notifications/cancelled`), or its session ended. */
  get reason(): CancelReason {
    return this.#reason;
  }

  onAbort(listener: () => void): void {
    if (this.#aborted) {
      listener();
      return;
    }
    if (this.#listeners) this.#listeners.push(listener);
    else this.#listeners = [listener];
  }

  abort(reason: CancelReason = CLIENT_CANCELLED): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}

/** Waits `ms` (the kit's sleep), or less if the token is cancelled first; resolves either way. */
export function pause(ms: number, token: CancelToken): Promise<void> {
  const stop = new AbortController();
  token.onAbort(() => stop.abort());
  return sleep(ms, stop.signal).catch(() => {});
}
