export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  now?: () => number;
  onChange?: (state: CircuitState) => void;
}

/**
 * Opens after `failureThreshold` consecutive failures; while open, calls fail at once. After the cool-down one
 * probe is let through (half-open): success closes the circuit, failure opens it again.
 */
export class CircuitBreaker {
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  #options: CircuitBreakerOptions;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#options.cooldownMs) this.#set('half-open');
    return this.#state;
  }

  /** When the circuit opened (ms since epoch), if it is open. */
  get openedAt(): number | undefined {
    return this.#state === 'closed' ? undefined : this.#openedAt;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #set(state: CircuitState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#options.onChange?.(state);
  }

  /** Whether a call may go through now; in half-open only one probe at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'half-open' && !this.#probing) {
      this.#probing = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#set('closed');
  }

  failure(): void {
    this.#probing = false;
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.#options.failureThreshold) {
      this.#openedAt = this.#now();
      this.#set('open');
    }
  }

  /** Closes the circuit (the upstream was reconnected). */
  reset(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#set('closed');
  }
}
