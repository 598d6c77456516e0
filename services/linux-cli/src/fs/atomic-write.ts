import { randomBytes } from 'node:crypto';
import { chmod, chown, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  mode: number;
  /** Owner to keep when replacing an existing file. */
  uid?: number;
  gid?: number;
}

/** Writes a file atomically: a new temporary file beside it (exclusive create), fsync, then rename over the target. */
export async function writeFileAtomic(target: string, data: Buffer, options: AtomicWriteOptions): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.linux-cli.tmp`);
  const handle = await open(temp, 'wx', options.mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, options.mode);
    if (options.uid !== undefined && options.gid !== undefined) await chown(temp, options.uid, options.gid).catch(() => {});
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}
