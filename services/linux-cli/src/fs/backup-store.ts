import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError } from '@switchboard/shared';

export interface BackupInfo {
  id: string;
  /** The file it is a copy of (real path). */
  path: string;
  size: number;
  mode: number;
  sha256: string;
  createdAt: string;
  caller: string;
  correlationId: string;
}

export interface BackupStoreOptions {
  dir: string;
  maxPerFile: number;
}

const ID = /^bak_\d{13}_[0-9a-f]{8}$/;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Copies of files taken before writeFile or restoreBackup replaces them: one directory per original path,
 * `<id>.bak` holding the bytes and `<id>.json` the metadata, the newest `maxPerFile` kept. Only the service writes
 * here; the tools' path checks keep every command and file tool out.
 */
export class BackupStore {
  readonly options: BackupStoreOptions;

  constructor(options: BackupStoreOptions) {
    this.options = options;
  }

  #dirOf(path: string): string {
    return join(this.options.dir, createHash('sha256').update(path).digest('hex').slice(0, 24));
  }

  async save(path: string, data: Buffer, mode: number, who: { caller: string; correlationId: string }): Promise<BackupInfo> {
    const dir = this.#dirOf(path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info: BackupInfo = {
      id: `bak_${Date.now().toString().padStart(13, '0')}_${randomBytes(4).toString('hex')}`,
      path,
      size: data.length,
      mode,
      sha256: sha256(data),
      createdAt: new Date().toISOString(),
      caller: who.caller,
      correlationId: who.correlationId,
    };
    await writeFile(join(dir, `${info.id}.bak`), data, { mode: 0o600, flag: 'wx' });
    await writeFile(join(dir, `${info.id}.json`), JSON.stringify(info), { mode: 0o600, flag: 'wx' });
    const all = await this.#listDir(dir);
    for (const old of all.slice(this.options.maxPerFile)) {
      await rm(join(dir, `${old.id}.bak`), { force: true });
      await rm(join(dir, `${old.id}.json`), { force: true });
    }
    return info;
  }

  async #listDir(dir: string): Promise<BackupInfo[]> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: BackupInfo[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as BackupInfo);
      } catch {}
    }
    return out.sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  /** Backups, newest first; of one file when `path` (a real path) is given. */
  async list(path?: string): Promise<BackupInfo[]> {
    if (path !== undefined) return this.#listDir(this.#dirOf(path));
    const dirs = await readdir(this.options.dir).catch(() => [] as string[]);
    const all = (await Promise.all(dirs.map((d) => this.#listDir(join(this.options.dir, d))))).flat();
    return all.sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  async get(id: string): Promise<{ info: BackupInfo; data: Buffer }> {
    if (!ID.test(id)) throw new ToolError('INVALID_ARGUMENT', `${id} is not a backup id (bak_<time>_<hex>)`);
    for (const info of await this.list()) {
      if (info.id !== id) continue;
      const data = await readFile(join(this.#dirOf(info.path), `${id}.bak`));
      if (sha256(data) !== info.sha256)
        throw new ToolError('CONFLICT', `backup ${id} does not match its checksum; it was altered`);
      return { info, data };
    }
    throw new ToolError('NOT_FOUND', `no backup ${id}`);
  }
}
