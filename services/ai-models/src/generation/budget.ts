import { ToolError } from '@switchboard/shared';
import type { BudgetLimits } from '../config.ts';
import { dayOf, type UsageLedger } from '../storage/usage-ledger.ts';

export interface Reservation {
  release(): void;
}

export interface BudgetCheck {
  caller: string;
  model: string;
  /** Worst case for the call: estimated input tokens plus the max_tokens asked for. */
  tokens: number;
  usd: number;
}

function tomorrow(now: Date): string {
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return next.toISOString();
}

/**
 * Per-caller daily budgets in tokens and/or dollars, checked before any request leaves: what the ledger says was
 * spent today, plus calls still in flight, plus this call's worst case must fit, or the call is refused.
 */
export class BudgetGuard {
  readonly #ledger: () => Promise<UsageLedger>;
  readonly #limits: (caller: string) => BudgetLimits;
  readonly #pending = new Map<string, { tokens: number; usd: number }>();

  constructor(ledger: () => Promise<UsageLedger>, limits: (caller: string) => BudgetLimits) {
    this.#ledger = ledger;
    this.#limits = limits;
  }

  limitsFor(caller: string): BudgetLimits {
    return this.#limits(caller);
  }

  async reserve(check: BudgetCheck, now = new Date()): Promise<Reservation> {
    const limits = this.#limits(check.caller);
    if (limits.tokensPerDay === undefined && limits.usdPerDay === undefined) return { release: () => {} };
    const spent = await (await this.#ledger()).spent(check.caller, dayOf(now));
    const pending = this.#pending.get(check.caller) ?? { tokens: 0, usd: 0 };
    const tokens = spent.tokens + pending.tokens;
    const usd = spent.usd + pending.usd;
    const refuse = (what: string, used: number, limit: number, needed: number, unit: string) => {
      throw new ToolError(
        'BUDGET_EXCEEDED',
        `${check.caller} has used ${used}${unit} of a ${limit}${unit} daily ${what} budget; this call to ${check.model} may need up to ${needed}${unit} (lower maxTokens, or wait until ${tomorrow(now)})`,
        {
          details: {
            caller: check.caller,
            budget: what,
            limit,
            used,
            needed,
            resetsAt: tomorrow(now),
          },
        },
      );
    };
    if (limits.tokensPerDay !== undefined && tokens + check.tokens > limits.tokensPerDay) {
      refuse('token', tokens, limits.tokensPerDay, check.tokens, ' tokens');
    }
    if (limits.usdPerDay !== undefined && usd + check.usd > limits.usdPerDay) {
      const round = (n: number) => Math.round(n * 1e6) / 1e6;
      refuse('USD', round(usd), limits.usdPerDay, round(check.usd), ' USD');
    }
    this.#pending.set(check.caller, { tokens: pending.tokens + check.tokens, usd: pending.usd + check.usd });
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const now = this.#pending.get(check.caller);
        if (!now) return;
        const next = { tokens: now.tokens - check.tokens, usd: now.usd - check.usd };
        if (next.tokens <= 0 && next.usd <= 1e-12) this.#pending.delete(check.caller);
        else this.#pending.set(check.caller, next);
      },
    };
  }
}
