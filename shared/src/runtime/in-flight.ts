import { ReleasingMap } from './releasing-map.ts';

/** What can be told to stop: an AbortController, or any lighter handle with the same method. */
export interface Abortable {
  abort(reason?: unknown): void;
}

/** Counts calls in progress so shutdown can let them finish, and aborts the stragglers at the deadline. */
export class InFlight {
  #active = new ReleasingMap<number, Abortable>();
  #nextTicket = 1;
  #idle: (() => void)[] = [];

  get count(): number {
    return this.#active.size;
  }

  async run<T>(controller: Abortable, work: () => Promise<T>): Promise<T> {
    const ticket = this.enter(controller);
    try {
      return await work();
    } finally {
      this.leave(ticket);
    }
  }

  /** Counts a call as in progress until `leave` (for a hot path that cannot afford `run`'s extra promise). */
  enter(controller: Abortable): number {
    const ticket = this.#nextTicket++;
    this.#active.set(ticket, controller);
    return ticket;
  }

  /** Ends the call `enter` returned `ticket` for. */
  leave(ticket: number): void {
    this.#active.delete(ticket);
    if (this.#active.size === 0 && this.#idle.length > 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves true when every call finished, false when the timeout hit first (the rest are then aborted). */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#active.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      new Promise<boolean>((resolve) => this.#idle.push(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) for (const controller of this.#active.values()) controller.abort(new Error('service is shutting down'));
    return finished;
  }
}
