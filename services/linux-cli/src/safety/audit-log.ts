import { appendFileSync, mkdirSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger, Redactor } from '@switchboard/shared';
import type { Risk } from '../policy/risk.ts';

export type AuditDecision = 'allowed' | 'refused' | 'failed';
export type ApprovalOutcome = 'not_required' | 'accepted' | 'declined' | 'cancelled' | 'unavailable' | 'auto' | 'denied_by_mode';

/** One line of the audit log. Command output is never logged; env values and stdin are not either. */
export interface AuditEntry {
  tool: string;
  caller: string;
  correlationId: string;
  decision: AuditDecision;
  reason?: string;
  rule?: string;
  host?: string;
  argv?: string[];
  cwd?: string;
  path?: string;
  risk?: Risk;
  approval?: ApprovalOutcome;
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  durationMs: number;
  errorCode?: string;
  outputId?: string;
  jobId?: string;
  backupId?: string;
  envNames?: string[];
  stdinBytes?: number;
  event?: string;
  /** A repeat of an earlier call with the same idempotency key: its first outcome was returned, nothing ran. */
  replayed?: boolean;
}

export interface AuditLogOptions {
  file: string;
  redactor: Redactor;
  log: Logger;
}

export interface AuditLog {
  readonly file: string;
  append(entry: AuditEntry): Promise<void>;
}

/**
 * The JSONL audit log: one line per call, allowed or refused, appended in order. The file is created with mode
 * 0600 and checked writable at start, so a service that cannot audit does not start.
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  appendFileSync(options.file, '', { mode: 0o600 });
  let queue: Promise<void> = Promise.resolve();
  return {
    file: options.file,
    append: (entry) => {
      const line = `${JSON.stringify(options.redactor.redact({ time: new Date().toISOString(), service: 'linux-cli', ...entry }))}\n`;
      queue = queue.then(
        () => appendFile(options.file, line, { mode: 0o600 }),
        () => appendFile(options.file, line, { mode: 0o600 }),
      );
      return queue.catch((error) => {
        options.log.error({ err: error, file: options.file }, 'cannot write the audit log');
      });
    },
  };
}
