import type { Stats } from 'node:fs';
import { z } from '@switchboard/shared';

export const entryTypeSchema = z.enum(['file', 'directory', 'symlink', 'other']);
export type EntryType = z.infer<typeof entryTypeSchema>;

export function entryTypeOf(stat: Stats): EntryType {
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isDirectory()) return 'directory';
  if (stat.isFile()) return 'file';
  return 'other';
}

export function modeString(stat: Stats): string {
  return (stat.mode & 0o7777).toString(8).padStart(4, '0');
}
