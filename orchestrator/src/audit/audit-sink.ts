import type { AuditEntry, AuditRecord, ChainHead, VerifyReport } from './audit-chain.ts';

/** What orchestrator.getAuditLog may filter on; every given field must match. */
export interface AuditQuery {
  type?: AuditEntry['type'] | undefined;
  caller?: string | undefined;
  namespace?: string | undefined;
  tool?: string | undefined;
  outcome?: string | undefined;
  correlationId?: string | undefined;
  /** ISO times, inclusive. */
  since?: string | undefined;
  until?: string | undefined;
  /** Only records older than this seq (the cursor of the page before). */
  beforeSeq?: number | undefined;
  limit: number;
}

export interface AuditPage {
  /** Newest first. */
  records: AuditRecord[];
  /** Matching records over the whole trail (the cursor ignored). */
  total: number;
  /** More matching records lie before the last one returned. */
  hasMore: boolean;
}

/** Where the trail is kept: a JSONL file, or a PostgreSQL table replicas share. Appends are chained by the sink. */
export interface AuditSink {
  readonly label: string;
  /** Numbers and chains the entries after the current head and stores them, all or none. */
  append(entries: readonly AuditEntry[]): Promise<ChainHead>;
  query(query: AuditQuery): Promise<AuditPage>;
  verify(): Promise<VerifyReport>;
  close(): Promise<void>;
}

/** Whether a record passes a query's filters (the cursor aside). */
export function matches(record: AuditRecord, query: AuditQuery): boolean {
  if (query.type !== undefined && record.type !== query.type) return false;
  if (query.caller !== undefined && record.caller !== query.caller) return false;
  if (query.namespace !== undefined && record.namespace !== query.namespace) return false;
  if (query.tool !== undefined && record.tool !== query.tool) return false;
  if (query.outcome !== undefined && record.outcome !== query.outcome) return false;
  if (query.correlationId !== undefined && record.correlationId !== query.correlationId) return false;
  if (query.since !== undefined && record.at < query.since) return false;
  if (query.until !== undefined && record.at > query.until) return false;
  return true;
}
