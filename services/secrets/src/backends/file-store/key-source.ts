import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '@switchboard/shared';

export interface KeySourceOptions {
  passphrase?: string | undefined;
  keyFile?: string | undefined;
  /** Where a key file is generated when neither a passphrase nor a key file is configured. */
  generatedKeyFile: string;
  log: Logger;
}

/**
 * The key material of a file store: the configured passphrase, or the content of the key file. With neither, a
 * key file of 32 random bytes is generated (0600) and a warning logged: fine on a laptop, while anyone who can
 * read the data directory can read the secrets.
 */
export function keyMaterial(options: KeySourceOptions): { material: Buffer; source: string } {
  if (options.passphrase) return { material: Buffer.from(options.passphrase, 'utf8'), source: 'passphrase' };
  const file = options.keyFile ?? options.generatedKeyFile;
  if (!options.keyFile && !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      options.log.warn(
        { keyFile: file },
        'secrets file store: no passphrase or key file configured, generated a key file; anyone who can read it can read the secrets (set a passphrase or keyFile for real use)',
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const mode = statSync(file).mode & 0o077;
  if (mode !== 0) {
    chmodSync(file, 0o600);
    options.log.warn({ keyFile: file }, 'secrets key file was readable by group or others; set it to 0600');
  }
  const material = readFileSync(file);
  const trimmed = Buffer.from(material.toString('utf8').trim(), 'utf8');
  if (trimmed.length < 16) throw new Error(`key file ${file} holds fewer than 16 bytes`);
  return { material: trimmed, source: `key file ${file}` };
}
