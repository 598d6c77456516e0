import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Seals sensitive step outputs for the store with AES-256-GCM. The key comes from workflows.encryptionKey, from
 * a key file next to the SQLite store, or is random per process: then a sealed output cannot be opened after a
 * restart and the engine re-runs that step (sensitive steps should be reads, such as getSecret).
 */
export class Sealer {
  readonly #key: Buffer;

  constructor(secret: string | undefined) {
    this.#key = secret === undefined ? randomBytes(32) : createHash('sha256').update(secret).digest();
  }

  seal(value: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value ?? null), 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The value, or `{ ok: false }` when the text was sealed under another key or is damaged. */
  open(text: string | undefined): { ok: true; value: unknown } | { ok: false } {
    const [version, iv, tag, body] = (text ?? '').split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) return { ok: false };
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      return { ok: true, value: JSON.parse(plain) };
    } catch {
      return { ok: false };
    }
  }
}

/** Reads the key file, creating it (mode 0600, 32 random bytes) when missing. */
export function keyFromFile(path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    try {
      writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(path, 0o600);
  return readFileSync(path, 'utf8').trim();
}
