import { z } from '@switchboard/shared';

export const hostNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'a host is a profile or cmdb host name: letters, digits, . _ -');
