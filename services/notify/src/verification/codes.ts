import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import type { Db } from '@switchboard/shared/sql';
import { lockRows } from '@switchboard/shared/sql';
import type { Channel } from '../model.ts';
import { newId } from '../store/outbox-store.ts';

/**
 * Verification (2FA) codes: random digits, kept only as a salted scrypt hash, valid for a TTL, a limited number of
 * checks, used once. The code itself exists only in memory on its way to the channel; no tool returns it.
 */
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

function hash(code: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(code, salt, 32, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))));
}

export function generateCode(length: number): string {
  return String(randomInt(0, 10 ** length)).padStart(length, '0');
}

export interface VerificationRecord {
  id: string;
  expiresAt: Date;
}

export type CheckResult =
  | { valid: true; attemptsRemaining: number }
  | { valid: false; reason: 'not_found' | 'expired' | 'used' | 'too_many_attempts' | 'mismatch'; attemptsRemaining: number };

interface Row {
  id: string;
  salt: string;
  code_hash: string;
  expires_at: number | string;
  attempts: number | string;
  max_attempts: number | string;
  consumed_at: number | string | null;
  created_by: string;
}

export class VerificationStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  async create(options: {
    code: string;
    channel: Channel;
    recipient: string;
    createdBy: string;
    ttlSeconds: number;
    maxAttempts: number;
  }): Promise<VerificationRecord> {
    const id = newId('vrf');
    const salt = randomBytes(16);
    const digest = await hash(options.code, salt);
    const now = Date.now();
    const expiresAt = now + options.ttlSeconds * 1000;
    await this.#db.write((q) =>
      q.run(
        `INSERT INTO notify_verification (id, channel, recipient, salt, code_hash, created_by, created_at, expires_at, max_attempts)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          options.channel,
          options.recipient,
          salt.toString('base64'),
          digest.toString('base64'),
          options.createdBy,
          now,
          expiresAt,
          options.maxAttempts,
        ],
      ),
    );
    return { id, expiresAt: new Date(expiresAt) };
  }

  async attachDelivery(id: string, deliveryId: string): Promise<void> {
    await this.#db.write((q) => q.run('UPDATE notify_verification SET delivery_id = ? WHERE id = ?', [deliveryId, id]));
  }

  /**
   * Checks a code. The attempt is counted before comparing (so parallel guesses cannot exceed the limit), the
   * hashes are compared in constant time, and a matching code is used up.
   */
  async check(id: string, code: string, caller: string): Promise<CheckResult> {
    const now = Date.now();
    const claimed = await this.#db.write(async (q) => {
      const row = await q.get<Row>(`SELECT * FROM notify_verification WHERE id = ?${lockRows(this.#db.dialect, 'update')}`, [id]);
      if (!row || row.created_by !== caller) return { kind: 'not_found' as const };
      const attempts = Number(row.attempts);
      const max = Number(row.max_attempts);
      if (row.consumed_at !== null) return { kind: 'used' as const, remaining: max - attempts };
      if (Number(row.expires_at) <= now) return { kind: 'expired' as const, remaining: max - attempts };
      if (attempts >= max) return { kind: 'too_many_attempts' as const, remaining: 0 };
      await q.run('UPDATE notify_verification SET attempts = attempts + 1 WHERE id = ?', [id]);
      return { kind: 'compare' as const, row, remaining: max - attempts - 1 };
    });
    if (claimed.kind !== 'compare') return { valid: false, reason: claimed.kind, attemptsRemaining: claimed.remaining ?? 0 };
    const expected = Buffer.from(claimed.row.code_hash, 'base64');
    const actual = await hash(code, Buffer.from(claimed.row.salt, 'base64'));
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      return {
        valid: false,
        reason: claimed.remaining === 0 ? 'too_many_attempts' : 'mismatch',
        attemptsRemaining: claimed.remaining,
      };
    }
    const consumed = await this.#db.write((q) =>
      q.run('UPDATE notify_verification SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL', [Date.now(), id]),
    );
    return consumed > 0
      ? { valid: true, attemptsRemaining: claimed.remaining }
      : { valid: false, reason: 'used', attemptsRemaining: claimed.remaining };
  }
}
