import type { Db, SqlValue } from '@switchboard/shared/sql';
import { diffItems } from './diff.ts';
import type { ChangelogEntry, ChangelogFilter } from './types.ts';

export async function changelog(
  db: Db,
  filter: ChangelogFilter,
  limit: number,
  beforeSeq?: number,
): Promise<{ entries: ChangelogEntry[]; total: number; hasMore: boolean }> {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (filter.ciId) {
    clauses.push('ci_id = ?');
    params.push(filter.ciId);
  }
  if (filter.ciType && filter.ciName) {
    clauses.push('ci_type = ? AND ci_name = ?');
    params.push(filter.ciType, filter.ciName);
  }
  if (filter.actor) {
    clauses.push('actor = ?');
    params.push(filter.actor);
  }
  if (filter.action) {
    clauses.push('action = ?');
    params.push(filter.action);
  }
  if (filter.since) {
    clauses.push('at >= ?');
    params.push(filter.since);
  }
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
  return db.read(async (q) => {
    const total = await q.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM changelog ${where}`, params);
    const page = beforeSeq === undefined ? where : `${where ? `${where} AND` : 'WHERE'} seq < ?`;
    type Row = {
      seq: number | string;
      at: string;
      actor: string;
      correlation_id: string | null;
      action: string;
      ci_id: string | null;
      ci_type: string | null;
      ci_name: string | null;
      before_json: string | null;
      after_json: string | null;
    };
    const rows = await q.all<Row>(`SELECT * FROM changelog ${page} ORDER BY seq DESC LIMIT ?`, [
      ...params,
      ...(beforeSeq === undefined ? [] : [beforeSeq]),
      limit + 1,
    ]);
    const entries = rows.slice(0, limit).map((row): ChangelogEntry => {
      const before = row.before_json === null ? undefined : JSON.parse(row.before_json);
      const after = row.after_json === null ? undefined : JSON.parse(row.after_json);
      const isItem = row.action === 'create' || row.action === 'update' || row.action === 'delete';
      return {
        seq: Number(row.seq),
        at: row.at,
        actor: row.actor,
        correlationId: row.correlation_id,
        action: row.action,
        ci: { id: row.ci_id, type: row.ci_type, name: row.ci_name },
        changes: isItem ? diffItems(before, after) : [],
        before: before ?? null,
        after: after ?? null,
      };
    });
    return { entries, total: Number(total?.n ?? 0), hasMore: rows.length > limit };
  });
}
