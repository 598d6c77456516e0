import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Counter, type Registry } from '@switchboard/shared';

export type AuditAction =
  | 'list'
  | 'describe'
  | 'get'
  | 'resolve'
  | 'reveal'
  | 'create'
  | 'update'
  | 'rotate'
  | 'delete'
  | 'restore'
  | 'purge'
  | 'audit'
  | 'refused';

export interface AuditEntry {
  seq: number;
  at: string;
  action: AuditAction;
  /** `success`, `denied` (policy, approval or read-only), or the error code in lower case. */
  outcome: string;
  tool?: string;
  backend?: string;
  path?: string;
  version?: string;
  caller: string;
  correlationId: string;
  /** Facts about the call, never a value: the glob that allowed a resolve, the approval answer, counts. */
  details?: Record<string, unknown>;
}

/**
 * The JSONL audit trail of every list, resolve, reveal, change and refusal, and the matching metric
 * switchboard_secret_access_total{backend,action,outcome}. Lines are appended with one write each (O_APPEND), so
 * lines from concurrent calls never interleave. Nothing here ever sees a value.
 */
export class AuditLog {
  readonly file: string;
  readonly counter: Counter<'backend' | 'action' | 'outcome'>;
  #fd: number | undefined;
  #seq: number;

  /** `registry`: the process's metrics registry (SetupInput.metrics), so the counter is on the service's /metrics. */
  constructor(file: string, registry: Registry) {
    this.file = file;
    this.counter = new Counter({
      name: 'switchboard_secret_access_total',
      help: 'Secret accesses by backend, action (list, resolve, reveal, create, rotate, delete...) and outcome',
      labelNames: ['backend', 'action', 'outcome'],
      registers: [registry],
    });
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.#seq = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '').length
      : 0;
    this.#fd = openSync(file, 'a', 0o600);
  }

  record(entry: Omit<AuditEntry, 'seq' | 'at'>): AuditEntry {
    this.#seq += 1;
    const full: AuditEntry = { seq: this.#seq, at: new Date().toISOString(), ...entry };
    if (this.#fd !== undefined) writeSync(this.#fd, `${JSON.stringify(full)}\n`);
    this.counter.inc({ backend: entry.backend ?? '', action: entry.action, outcome: entry.outcome });
    return full;
  }

  /** Every entry, oldest first (the file is the source of truth; other processes may append too). */
  entries(): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as AuditEntry);
      } catch {}
    }
    return out;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
