import type { Db } from '@switchboard/shared/sql';

/** One provider call (or cache hit) as the ledger keeps it. */
export interface UsageRecord {
  caller: string;
  model: string;
  provider: string;
  tool: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  cacheHit: boolean;
  estimated: boolean;
  latencyMs: number;
  correlationId: string;
  at: Date;
}

export interface UsageRow {
  day: string;
  caller: string;
  model: string;
  calls: number;
  cacheHits: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface UsageFilter {
  caller?: string | undefined;
  model?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** The UTC calendar day budgets and usage are counted by. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

const MICRO = 1_000_000;

/** Our own record of every call: what getUsage reports and what budgets are checked against. */
export class UsageLedger {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async record(entry: UsageRecord): Promise<void> {
    await this.#db.write((q) =>
      q.run(
        `INSERT INTO ai_usage (day, caller, model, provider, tool, input_tokens, output_tokens, cost_micro_usd, cache_hit,
           estimated, latency_ms, correlation_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          dayOf(entry.at),
          entry.caller,
          entry.model,
          entry.provider,
          entry.tool,
          entry.inputTokens,
          entry.outputTokens,
          Math.round(entry.costUsd * MICRO),
          entry.cacheHit,
          entry.estimated,
          Math.round(entry.latencyMs),
          entry.correlationId,
          entry.at.getTime(),
        ],
      ),
    );
  }

  /** Tokens and dollars a caller spent on a day (cache hits cost nothing and are not counted). */
  async spent(caller: string, day: string): Promise<{ tokens: number; usd: number }> {
    const row = await this.#db.read((q) =>
      q.get<{ tokens: number | string | null; micro: number | string | null }>(
        `SELECT SUM(input_tokens + output_tokens) AS tokens, SUM(cost_micro_usd) AS micro FROM ai_usage
         WHERE caller = ? AND day = ? AND cache_hit = ?`,
        [caller, day, false],
      ),
    );
    return { tokens: Number(row?.tokens ?? 0), usd: Number(row?.micro ?? 0) / MICRO };
  }

  /** Totals per day, caller and model, newest day first; paged by offset. */
  async summary(filter: UsageFilter, limit: number, offset: number): Promise<{ rows: UsageRow[]; total: number }> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.caller) {
      where.push('caller = ?');
      params.push(filter.caller);
    }
    if (filter.model) {
      where.push('model = ?');
      params.push(filter.model);
    }
    if (filter.from) {
      where.push('day >= ?');
      params.push(filter.from);
    }
    if (filter.to) {
      where.push('day <= ?');
      params.push(filter.to);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return this.#db.read(async (q) => {
      const counted = await q.get<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM ai_usage ${clause} GROUP BY day, caller, model) AS g`,
        params,
      );
      const rows = await q.all<Record<string, number | string>>(
        `SELECT day, caller, model, COUNT(*) AS calls, SUM(CASE WHEN cache_hit THEN 1 ELSE 0 END) AS hits,
           SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost_micro_usd) AS micro
         FROM ai_usage ${clause} GROUP BY day, caller, model ORDER BY day DESC, caller, model LIMIT ? OFFSET ?`,
        [...params, limit, offset],
      );
      return {
        total: Number(counted?.n ?? 0),
        rows: rows.map((r) => ({
          day: String(r.day),
          caller: String(r.caller),
          model: String(r.model),
          calls: Number(r.calls),
          cacheHits: Number(r.hits),
          inputTokens: Number(r.input_tokens),
          outputTokens: Number(r.output_tokens),
          costUsd: Number(r.micro) / MICRO,
        })),
      };
    });
  }
}
