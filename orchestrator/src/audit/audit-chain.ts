import { hash } from 'node:crypto';

/** One event of the gateway's audit trail, before it is numbered and chained. */
export interface AuditEntry {
  /** call: a tool call (refused ones too); denial: anything else the policy refused; definition: a pin event. */
  type: 'call' | 'denial' | 'definition' | 'policy';
  caller?: string;
  callerKind?: string;
  roles?: string;
  namespace?: string;
  tool?: string;
  /** sha256 of the redacted arguments (canonical JSON). */
  argsHash?: string;
  /** success, tool_error, rpc_error, cancelled, or an error code in lower case (permission_denied, tool_changed…). */
  outcome?: string;
  durationMs?: number;
  correlationId?: string;
  approval?: { decision: 'approved' | 'declined' | 'cancelled' | 'unavailable'; rule: number; comment?: string };
  detail?: Record<string, unknown>;
  /** When it happened (ISO 8601); stamped by the audit log when left out. */
  at?: string;
}

/** An entry as written: numbered, timed, chained to the one before. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  at: string;
  prev: string;
  hash: string;
}

/** The chain's head: the last record's number and hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export const GENESIS: ChainHead = { seq: 0, hash: '0'.repeat(64) };

function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/**
 * One record's line after `head`: `{"seq":…,"at":…,<the entry's fields>,"prev":…,"hash":…}`. The hash covers the
 * line up to (not including) `,"hash":…`, so the line is its own canonical form and the verifier needs no schema.
 */
export function encodeRecord(entry: AuditEntry, head: ChainHead, at: string): { line: string; head: ChainHead } {
  const seq = head.seq + 1;
  let fields: AuditEntry = entry;
  if (entry.at !== undefined) {
    const { at: _at, ...rest } = entry;
    fields = rest;
  }
  const inner = JSON.stringify(fields);
  const body = `{"seq":${seq},"at":${JSON.stringify(entry.at ?? at)}${inner.length > 2 ? `,${inner.slice(1, -1)}` : ''},"prev":"${head.hash}"}`;
  const digest = sha256(body);
  return { line: `${body.slice(0, -1)},"hash":"${digest}"}`, head: { seq, hash: digest } };
}

/** Numbers, times and chains entries after `head`; returns the JSONL lines and the new head. */
export function chain(entries: readonly AuditEntry[], head: ChainHead, at: string = new Date().toISOString()) {
  const lines: { seq: number; hash: string; line: string; entry: AuditEntry; at: string }[] = [];
  let current = head;
  for (const entry of entries) {
    const encoded = encodeRecord(entry, current, at);
    current = encoded.head;
    lines.push({ seq: current.seq, hash: current.hash, line: encoded.line, entry, at: entry.at ?? at });
  }
  return { lines, head: current };
}

export interface VerifyProblem {
  /** 1-based line number (file) or position (table). */
  line: number;
  seq?: number;
  problem: string;
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  head: ChainHead;
  problems: VerifyProblem[];
}

const HASH_TAIL = /,"hash":"([0-9a-f]{64})"\}$/;

/**
 * Checks a trail line by line: each line must hash to its own `hash`, name the previous line's hash as `prev`, and
 * carry the next `seq`. A modified line fails its hash; a removed, inserted or reordered line breaks the chain at the
 * next one. (Lines cut off the end leave a shorter valid chain: compare the head with one kept elsewhere.)
 */
export class ChainVerifier {
  #expected: ChainHead = GENESIS;
  #records = 0;
  #line = 0;
  readonly problems: VerifyProblem[] = [];

  add(line: string): void {
    this.#line += 1;
    if (line.trim() === '') return;
    const match = HASH_TAIL.exec(line);
    let record: AuditRecord | undefined;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {}
    if (!match || !record || typeof record.seq !== 'number' || typeof record.prev !== 'string') {
      this.problems.push({ line: this.#line, problem: 'not an audit record (malformed or cut short)' });
      return;
    }
    this.#records += 1;
    const text = `${line.slice(0, line.length - match[0].length)}}`;
    if (sha256(text) !== match[1] || record.hash !== match[1]) {
      this.problems.push({
        line: this.#line,
        seq: record.seq,
        problem: 'the record was modified: its hash does not match its content',
      });
    }
    if (record.prev !== this.#expected.hash) {
      this.problems.push({
        line: this.#line,
        seq: record.seq,
        problem: `the chain is broken: prev is not the hash of record ${this.#expected.seq} (a record before it was removed, inserted or modified)`,
      });
    }
    if (record.seq !== this.#expected.seq + 1) {
      this.problems.push({
        line: this.#line,
        seq: record.seq,
        problem: `expected seq ${this.#expected.seq + 1}, found ${record.seq}`,
      });
    }
    this.#expected = { seq: record.seq, hash: match[1] as string };
  }

  report(): VerifyReport {
    return { ok: this.problems.length === 0, records: this.#records, head: this.#expected, problems: this.problems };
  }
}
