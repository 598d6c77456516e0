import { readFileSync, statSync } from 'node:fs';
import { ToolError } from '@switchboard/shared';
import * as kdbxweb from 'kdbxweb';
import {
  ATTRIBUTE_PREFIX,
  decodeAttributes,
  encodeAttributes,
  type SecretAttributes,
  type SecretListing,
  type SecretRecord,
  type SecretValue,
} from '../../model/secret.ts';
import type { SecretBackend } from '../backend.ts';
import { backendError, deletedError, exists, notFound } from '../errors.ts';
import { LockedError, withFileLock, writeFileAtomic } from '../file-store/atomic-file.ts';
import { installArgon2 } from './argon2.ts';

export interface KeePassOptions {
  name: string;
  file: string;
  password?: string | undefined;
  keyFile?: string | undefined;
  lockWaitMs?: number;
  now?: () => Date;
}

const VERSION_FIELD = `${ATTRIBUTE_PREFIX}version`;
const DELETED_AT = `${ATTRIBUTE_PREFIX}deletedAt`;
const RECOVER_UNTIL = `${ATTRIBUTE_PREFIX}recoverUntil`;
const ORIGINAL_PATH = `${ATTRIBUTE_PREFIX}path`;

function text(value: kdbxweb.KdbxEntryField | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof kdbxweb.ProtectedValue ? value.getText() : value;
}

function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

/**
 * A KeePass database (KDBX 4, Argon2) read and written with kdbxweb. A path maps to groups under the root group and
 * an entry titled by the last segment; the value is the entry's Password, the description its Notes, the tags its
 * Tags, the rest custom fields prefixed `sb.`. Versions are the entry's history; delete moves the entry to the
 * Recycle Bin. Every write saves the whole file atomically under a lock file.
 */
export class KeePassBackend implements SecretBackend {
  readonly kind = 'keepass' as const;
  readonly name: string;
  readonly location: string;
  readonly #options: KeePassOptions;
  #cache: { stamp: string; db: kdbxweb.Kdbx } | undefined;

  constructor(options: KeePassOptions) {
    installArgon2();
    this.#options = options;
    this.name = options.name;
    this.location = options.file;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #stamp(): string {
    try {
      const s = statSync(this.#options.file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (error) {
      throw backendError(
        this.name,
        'unreachable',
        `cannot open ${this.#options.file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); create the database with KeePass first`,
      );
    }
  }

  async #credentials(): Promise<kdbxweb.KdbxCredentials> {
    let keyFile: Uint8Array | undefined;
    if (this.#options.keyFile) {
      try {
        keyFile = readFileSync(this.#options.keyFile);
      } catch (error) {
        throw backendError(this.name, 'bad_credentials', `cannot read the key file (${(error as NodeJS.ErrnoException).code})`);
      }
    }
    const password = this.#options.password ? kdbxweb.ProtectedValue.fromString(this.#options.password) : null;
    const credentials = new kdbxweb.KdbxCredentials(password, keyFile ?? null);
    await credentials.ready;
    return credentials;
  }

  async #load(): Promise<kdbxweb.Kdbx> {
    const stamp = this.#stamp();
    if (this.#cache?.stamp === stamp) return this.#cache.db;
    const bytes = readFileSync(this.#options.file);
    let db: kdbxweb.Kdbx;
    try {
      db = await kdbxweb.Kdbx.load(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        await this.#credentials(),
      );
    } catch (error) {
      if (error instanceof ToolError) throw error;
      const code = (error as { code?: string }).code;
      if (code === kdbxweb.Consts.ErrorCodes.InvalidKey) {
        throw backendError(
          this.name,
          'bad_credentials',
          'the master password or key file does not open the database (wrong key)',
        );
      }
      if (code === kdbxweb.Consts.ErrorCodes.BadSignature || code === kdbxweb.Consts.ErrorCodes.InvalidVersion) {
        throw backendError(this.name, 'corrupted', `${this.#options.file} is not a KeePass KDBX database`);
      }
      throw backendError(
        this.name,
        'corrupted',
        `${this.#options.file} cannot be read as KDBX (${code ?? (error as Error).message})`,
      );
    }
    this.#cache = { stamp, db };
    return db;
  }

  async #mutate<T>(change: (db: kdbxweb.Kdbx) => T): Promise<T> {
    try {
      return await withFileLock(
        this.#options.file,
        async () => {
          this.#cache = undefined;
          const db = await this.#load();
          let result: T;
          try {
            result = change(db);
          } catch (error) {
            this.#cache = undefined; // the in-memory database may be half-changed: drop it, the file is untouched
            throw error;
          }
          const saved = await db.save();
          writeFileAtomic(this.#options.file, new Uint8Array(saved));
          this.#cache = { stamp: this.#stamp(), db };
          return result;
        },
        this.#options.lockWaitMs ?? 2000,
      );
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

  #recycleBin(db: kdbxweb.Kdbx): kdbxweb.KdbxGroup | undefined {
    const uuid = db.meta.recycleBinUuid;
    return uuid ? (db.getGroup(uuid) ?? undefined) : undefined;
  }

  /** The group for a path's directory part; created when `create` is set. */
  #group(db: kdbxweb.Kdbx, dirs: string[], create: boolean): kdbxweb.KdbxGroup | undefined {
    let group = db.getDefaultGroup();
    for (const name of dirs) {
      let next = group.groups.find((g) => g.name === name && g !== this.#recycleBin(db));
      if (!next) {
        if (!create) return undefined;
        next = db.createGroup(group, name);
      }
      group = next;
    }
    return group;
  }

  #find(db: kdbxweb.Kdbx, path: string): kdbxweb.KdbxEntry | undefined {
    const segments = path.split('/');
    const title = segments.pop() as string;
    const group = this.#group(db, segments, false);
    return group?.entries.find((e) => text(e.fields.get('Title')) === title);
  }

  #findDeleted(db: kdbxweb.Kdbx, path: string): kdbxweb.KdbxEntry | undefined {
    const bin = this.#recycleBin(db);
    if (!bin) return undefined;
    for (const entry of bin.allEntries()) if (text(entry.fields.get(ORIGINAL_PATH)) === path) return entry;
    return undefined;
  }

  #live(db: kdbxweb.Kdbx, path: string): kdbxweb.KdbxEntry {
    const entry = this.#find(db, path);
    if (entry) return entry;
    const deleted = this.#findDeleted(db, path);
    if (deleted) throw deletedError(this.name, path, text(deleted.fields.get(RECOVER_UNTIL)) ?? '');
    throw notFound(this.name, path);
  }

  #attributes(entry: kdbxweb.KdbxEntry): SecretAttributes {
    const map: Record<string, string> = {};
    for (const [key, value] of entry.fields) {
      const t = text(value);
      if (key.startsWith(ATTRIBUTE_PREFIX) && t !== undefined) map[key] = t;
    }
    const attributes = decodeAttributes(map);
    const notes = text(entry.fields.get('Notes'));
    if (notes) attributes.description = notes;
    else delete attributes.description;
    attributes.tags = [...entry.tags].sort();
    return attributes;
  }

  #writeAttributes(entry: kdbxweb.KdbxEntry, attributes: SecretAttributes): void {
    const { description, tags, ...rest } = attributes;
    const encoded = encodeAttributes({ ...rest, tags: [] });
    for (const key of [...entry.fields.keys()]) {
      if (key.startsWith(ATTRIBUTE_PREFIX) && ![VERSION_FIELD, DELETED_AT, RECOVER_UNTIL, ORIGINAL_PATH].includes(key)) {
        entry.fields.delete(key);
      }
    }
    for (const [key, value] of Object.entries(encoded)) entry.fields.set(key, value);
    entry.fields.set('Notes', description ?? '');
    entry.tags = [...tags];
  }

  #version(entry: kdbxweb.KdbxEntry): string {
    return text(entry.fields.get(VERSION_FIELD)) ?? String(entry.history.length + 1);
  }

  #record(path: string, entry: kdbxweb.KdbxEntry, deleted: boolean): SecretRecord {
    const versions = [entry, ...[...entry.history].reverse()].map((state) => ({
      version: this.#version(state),
      createdAt: iso(state.times.lastModTime) ?? '',
      available: true,
    }));
    return {
      path,
      attributes: this.#attributes(entry),
      createdAt: iso(entry.times.creationTime) ?? '',
      updatedAt: iso(entry.times.lastModTime) ?? '',
      currentVersion: this.#version(entry),
      versions,
      ...(deleted
        ? {
            deleted: {
              deletedAt: text(entry.fields.get(DELETED_AT)) ?? '',
              recoverUntil: text(entry.fields.get(RECOVER_UNTIL)) ?? '',
            },
          }
        : {}),
    };
  }

  async health(): Promise<void> {
    await this.#load();
  }

  async list(prefix: string, options: { includeDeleted: boolean }): Promise<SecretListing[]> {
    const db = await this.#load();
    const bin = this.#recycleBin(db);
    const out: SecretListing[] = [];
    const walk = (group: kdbxweb.KdbxGroup, dirs: string[]) => {
      for (const entry of group.entries) {
        const title = text(entry.fields.get('Title'));
        if (!title) continue;
        const path = [...dirs, title].join('/');
        if (path.startsWith(prefix)) {
          out.push({
            path,
            attributes: this.#attributes(entry),
            updatedAt: iso(entry.times.lastModTime) ?? '',
            currentVersion: this.#version(entry),
          });
        }
      }
      for (const child of group.groups) if (child !== bin) walk(child, [...dirs, child.name ?? '']);
    };
    walk(db.getDefaultGroup(), []);
    if (options.includeDeleted && bin) {
      for (const entry of bin.allEntries()) {
        const path = text(entry.fields.get(ORIGINAL_PATH));
        if (path?.startsWith(prefix)) out.push(this.#record(path, entry, true));
      }
    }
    return out;
  }

  async describe(path: string): Promise<SecretRecord> {
    const db = await this.#load();
    const entry = this.#find(db, path);
    if (entry) return this.#record(path, entry, false);
    const deleted = this.#findDeleted(db, path);
    if (deleted) return this.#record(path, deleted, true);
    throw notFound(this.name, path);
  }

  async read(path: string, version?: string): Promise<SecretValue> {
    const entry = this.#live(await this.#load(), path);
    const state = version === undefined ? entry : [entry, ...entry.history].find((s) => this.#version(s) === version);
    if (!state) throw notFound(this.name, path, version);
    return {
      version: this.#version(state),
      value: text(state.fields.get('Password')) ?? '',
      createdAt: iso(state.times.lastModTime) ?? '',
    };
  }

  async create(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    return this.#mutate((db) => {
      if (this.#find(db, path)) throw exists(this.name, path);
      if (this.#findDeleted(db, path)) throw exists(this.name, path, true);
      const segments = path.split('/');
      const title = segments.pop() as string;
      const group = this.#group(db, segments, true) as kdbxweb.KdbxGroup;
      const entry = db.createEntry(group);
      entry.fields.set('Title', title);
      entry.fields.set('UserName', '');
      entry.fields.set('Password', kdbxweb.ProtectedValue.fromString(value));
      entry.fields.set(VERSION_FIELD, '1');
      this.#writeAttributes(entry, attributes);
      const now = this.#now();
      entry.times.creationTime = now;
      entry.times.lastModTime = now;
      return { version: '1' };
    });
  }

  async addVersion(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    return this.#mutate((db) => {
      const entry = this.#live(db, path);
      const version = String(Number(this.#version(entry)) + 1);
      entry.pushHistory();
      entry.fields.set('Password', kdbxweb.ProtectedValue.fromString(value));
      entry.fields.set(VERSION_FIELD, version);
      this.#writeAttributes(entry, attributes);
      entry.times.update();
      entry.times.lastModTime = this.#now();
      return { version };
    });
  }

  async setAttributes(path: string, attributes: SecretAttributes): Promise<void> {
    await this.#mutate((db) => {
      const entry = this.#live(db, path);
      this.#writeAttributes(entry, attributes);
      entry.times.lastModTime = this.#now();
    });
  }

  async softDelete(path: string, recoverUntil: Date): Promise<{ recoverUntil: string }> {
    return this.#mutate((db) => {
      const entry = this.#live(db, path);
      if (!db.meta.recycleBinEnabled || !this.#recycleBin(db)) {
        db.meta.recycleBinEnabled = true;
        db.createRecycleBin();
      }
      entry.fields.set(DELETED_AT, this.#now().toISOString());
      entry.fields.set(RECOVER_UNTIL, recoverUntil.toISOString());
      entry.fields.set(ORIGINAL_PATH, path);
      db.move(entry, this.#recycleBin(db) as kdbxweb.KdbxGroup);
      return { recoverUntil: recoverUntil.toISOString() };
    });
  }

  async restore(path: string): Promise<void> {
    await this.#mutate((db) => {
      const entry = this.#findDeleted(db, path);
      if (!entry) {
        if (this.#find(db, path)) throw new ToolError('CONFLICT', `${this.name}/${path} is not deleted`);
        throw notFound(this.name, path);
      }
      const segments = path.split('/');
      segments.pop();
      entry.fields.delete(DELETED_AT);
      entry.fields.delete(RECOVER_UNTIL);
      entry.fields.delete(ORIGINAL_PATH);
      db.move(entry, this.#group(db, segments, true) as kdbxweb.KdbxGroup);
    });
  }

  async purge(path: string): Promise<void> {
    await this.#mutate((db) => {
      const entry = this.#findDeleted(db, path);
      if (!entry) throw notFound(this.name, path);
      db.move(entry, null);
    });
  }
}
