import { z } from '@switchboard/shared';

export const backupViewSchema = z.object({
  id: z.string(),
  path: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  createdAt: z.string(),
  caller: z.string(),
});
