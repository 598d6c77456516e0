import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ToolError } from '@switchboard/shared';
import {
  decodeAttributes,
  encodeAttributes,
  type SecretAttributes,
  type SecretDeletion,
  type SecretListing,
  type SecretRecord,
  type SecretValue,
} from '../../model/secret.ts';
import type { SecretBackend } from '../backend.ts';
import { backendError, deletedError, exists, notFound } from '../errors.ts';
import { LockedError, withFileLock, writeFileAtomic } from './atomic-file.ts';
import {
  deriveKeys,
  type KdfParams,
  macMatches,
  macOf,
  newKdfParams,
  openValue,
  type SealedValue,
  type StoreKeys,
  sealValue,
} from './store-crypto.ts';

const FORMAT = 'switchboard-secrets/1';
const CHECK_TEXT = 'switchboard key check';

interface StoredVersion extends SealedValue {
  version: string;
  createdAt: string;
}

interface StoredSecret {
  createdAt: string;
  updatedAt: string;
  attributes: Record<string, string>;
  deleted?: SecretDeletion;
  versions: StoredVersion[];
}

interface StoreDocument {
  format: string;
  kdf: KdfParams;
  check: SealedValue;
  secrets: Record<string, StoredSecret>;
}

export interface FileStoreOptions {
  name: string;
  file: string;
  material: Buffer;
  kdf: 'scrypt' | 'argon2id';
  now?: () => Date;
}

/**
 * The embedded store: one JSON file, each value sealed with AES-256-GCM under a key derived by scrypt or argon2id
 * (path and version as associated data), the whole file authenticated with HMAC-SHA256, written atomically under a
 * lock file. A wrong key, a damaged file and an edited file are told apart (bad_credentials, corrupted, tampered).
 */
export class FileStoreBackend implements SecretBackend {
  readonly kind = 'file' as const;
  readonly name: string;
  readonly location: string;
  readonly #options: FileStoreOptions;
  #keys: { salt: string; keys: Promise<StoreKeys> } | undefined;
  #cache: { stamp: string; doc: StoreDocument } | undefined;

  constructor(options: FileStoreOptions) {
    this.#options = options;
    this.name = options.name;
    this.location = options.file;
  }

  #now(): string {
    return (this.#options.now?.() ?? new Date()).toISOString();
  }

  async #keysFor(kdf: KdfParams): Promise<StoreKeys> {
    if (!this.#keys || this.#keys.salt !== kdf.salt) {
      this.#keys = { salt: kdf.salt, keys: deriveKeys(this.#options.material, kdf) };
    }
    try {
      return await this.#keys.keys;
    } catch (error) {
      this.#keys = undefined;
      throw backendError(this.name, 'corrupted', `cannot derive the key: ${(error as Error).message}`);
    }
  }

  #stamp(): string | undefined {
    try {
      const s = statSync(this.#options.file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw backendError(
        this.name,
        'unreachable',
        `cannot read ${this.#options.file} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
  }

  /** The verified document (a new empty one when the file does not exist yet). */
  async #load(): Promise<StoreDocument> {
    const stamp = this.#stamp();
    if (stamp === undefined) {
      const kdf = this.#cache?.doc.kdf ?? newKdfParams(this.#options.kdf);
      const keys = await this.#keysFor(kdf);
      return { format: FORMAT, kdf, check: sealValue(keys, 'check', CHECK_TEXT), secrets: {} };
    }
    if (this.#cache?.stamp === stamp) return this.#cache.doc;
    let text: string;
    try {
      text = readFileSync(this.#options.file, 'utf8');
    } catch (error) {
      throw backendError(
        this.name,
        'unreachable',
        `cannot read ${this.#options.file} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
    let parsed: StoreDocument & { mac?: string };
    try {
      parsed = JSON.parse(text);
    } catch {
      throw backendError(
        this.name,
        'corrupted',
        `${this.#options.file} is not a valid store file (not JSON); restore it from a backup`,
      );
    }
    if (
      !parsed ||
      parsed.format !== FORMAT ||
      typeof parsed.kdf !== 'object' ||
      typeof parsed.check !== 'object' ||
      typeof parsed.secrets !== 'object' ||
      typeof parsed.mac !== 'string'
    ) {
      throw backendError(this.name, 'corrupted', `${this.#options.file} is not a ${FORMAT} store file; restore it from a backup`);
    }
    const keys = await this.#keysFor(parsed.kdf);
    if (openValue(keys, 'check', parsed.check) !== CHECK_TEXT) {
      throw backendError(this.name, 'bad_credentials', 'the passphrase or key file does not open this store (wrong key)');
    }
    const { mac, ...doc } = parsed;
    if (!macMatches(keys, JSON.stringify(doc), mac)) {
      throw backendError(
        this.name,
        'tampered',
        `${this.#options.file} was modified outside Switchboard (integrity check failed); nothing was read from it`,
      );
    }
    this.#cache = { stamp, doc };
    return doc;
  }

  async #save(doc: StoreDocument): Promise<void> {
    const keys = await this.#keysFor(doc.kdf);
    const text = JSON.stringify({ ...doc, mac: macOf(keys, JSON.stringify(doc)) });
    mkdirSync(dirname(this.#options.file), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.#options.file, text);
    this.#cache = { stamp: this.#stamp() ?? '', doc };
  }

  /** Reads, changes and writes the document under the lock; a failing change writes nothing. */
  async #mutate<T>(change: (doc: StoreDocument, keys: StoreKeys) => T): Promise<T> {
    try {
      mkdirSync(dirname(this.#options.file), { recursive: true, mode: 0o700 });
      return await withFileLock(this.#options.file, async () => {
        this.#cache = undefined;
        const doc = structuredClone(await this.#load());
        const keys = await this.#keysFor(doc.kdf);
        const result = change(doc, keys);
        await this.#save(doc);
        return result;
      });
    } catch (error) {
      if (error instanceof LockedError) {
        throw backendError(
          this.name,
          'locked',
          `${this.#options.file} is locked by another writer (process ${error.holder}); try again`,
        );
      }
      if (error instanceof ToolError) throw error;
      throw backendError(this.name, 'unreachable', `cannot write ${this.#options.file}: ${(error as Error).message}`);
    }
  }

  #entry(doc: StoreDocument, path: string, options: { deleted?: boolean } = {}): StoredSecret {
    const entry = Object.hasOwn(doc.secrets, path) ? doc.secrets[path] : undefined;
    if (!entry) throw notFound(this.name, path);
    if (entry.deleted && !options.deleted) throw deletedError(this.name, path, entry.deleted.recoverUntil);
    return entry;
  }

  async health(): Promise<void> {
    await this.#load();
  }

  async list(prefix: string, options: { includeDeleted: boolean }): Promise<SecretListing[]> {
    const doc = await this.#load();
    return Object.entries(doc.secrets)
      .filter(([path, entry]) => path.startsWith(prefix) && (options.includeDeleted || !entry.deleted))
      .map(([path, entry]) => ({
        path,
        attributes: decodeAttributes(entry.attributes),
        updatedAt: entry.updatedAt,
        currentVersion: entry.versions[entry.versions.length - 1]?.version ?? '1',
        ...(entry.deleted ? { deleted: entry.deleted } : {}),
      }));
  }

  async describe(path: string): Promise<SecretRecord> {
    const entry = this.#entry(await this.#load(), path, { deleted: true });
    const versions = [...entry.versions].reverse();
    return {
      path,
      attributes: decodeAttributes(entry.attributes),
      createdAt: entry.createdAt,
      updatedAt: entry.updatedAt,
      currentVersion: versions[0]?.version ?? '1',
      versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, available: true })),
      ...(entry.deleted ? { deleted: entry.deleted } : {}),
    };
  }

  async read(path: string, version?: string): Promise<SecretValue> {
    const doc = await this.#load();
    const entry = this.#entry(doc, path);
    const stored = version ? entry.versions.find((v) => v.version === version) : entry.versions[entry.versions.length - 1];
    if (!stored) throw notFound(this.name, path, version);
    const value = openValue(await this.#keysFor(doc.kdf), `${path}#${stored.version}`, stored);
    if (value === undefined) {
      throw backendError(this.name, 'tampered', `the value of ${path}#${stored.version} does not verify (GCM tag mismatch)`);
    }
    return { version: stored.version, value, createdAt: stored.createdAt };
  }

  async create(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    const encoded = encodeAttributes(attributes);
    return this.#mutate((doc, keys) => {
      const existing = Object.hasOwn(doc.secrets, path) ? doc.secrets[path] : undefined;
      if (existing) throw exists(this.name, path, existing.deleted !== undefined);
      const now = this.#now();
      doc.secrets[path] = {
        createdAt: now,
        updatedAt: now,
        attributes: encoded,
        versions: [{ version: '1', createdAt: now, ...sealValue(keys, `${path}#1`, value) }],
      };
      return { version: '1' };
    });
  }

  async addVersion(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    const encoded = encodeAttributes(attributes);
    return this.#mutate((doc, keys) => {
      const entry = this.#entry(doc, path);
      const last = Number(entry.versions[entry.versions.length - 1]?.version ?? 0);
      const version = String(last + 1);
      const now = this.#now();
      entry.versions.push({ version, createdAt: now, ...sealValue(keys, `${path}#${version}`, value) });
      entry.attributes = encoded;
      entry.updatedAt = now;
      return { version };
    });
  }

  async setAttributes(path: string, attributes: SecretAttributes): Promise<void> {
    const encoded = encodeAttributes(attributes);
    await this.#mutate((doc) => {
      const entry = this.#entry(doc, path);
      entry.attributes = encoded;
      entry.updatedAt = this.#now();
    });
  }

  async softDelete(path: string, recoverUntil: Date): Promise<{ recoverUntil: string }> {
    return this.#mutate((doc) => {
      const entry = this.#entry(doc, path);
      entry.deleted = { deletedAt: this.#now(), recoverUntil: recoverUntil.toISOString() };
      return { recoverUntil: entry.deleted.recoverUntil };
    });
  }

  async restore(path: string): Promise<void> {
    await this.#mutate((doc) => {
      const entry = this.#entry(doc, path, { deleted: true });
      if (!entry.deleted) throw new ToolError('CONFLICT', `${this.name}/${path} is not deleted`);
      delete entry.deleted;
      entry.updatedAt = this.#now();
    });
  }

  async purge(path: string): Promise<void> {
    await this.#mutate((doc) => {
      this.#entry(doc, path, { deleted: true });
      delete doc.secrets[path];
    });
  }
}
