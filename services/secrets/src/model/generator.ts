import { randomInt } from 'node:crypto';
import { ToolError, z } from '@switchboard/shared';

export const CHARSETS = {
  alphanumeric: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  // Printable ASCII without space, quotes, backslash and backtick: safe in shells, URLs' userinfo aside, and configs.
  symbols: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%*+,-./:;=?@^_{}~',
} as const;

export const generatorSchema = z
  .object({
    length: z.number().int().min(8).max(4096).default(32).describe('Number of characters (8-4096, default 32)'),
    charset: z
      .enum(Object.keys(CHARSETS) as [keyof typeof CHARSETS, ...(keyof typeof CHARSETS)[]])
      .default('alphanumeric')
      .describe('alphanumeric (default), hex, base64url, or symbols (alphanumeric plus shell-safe punctuation)'),
  })
  .describe('How to generate a value: length and character set');

export type GeneratorPolicy = z.infer<typeof generatorSchema>;

export const DEFAULT_GENERATOR: GeneratorPolicy = { length: 32, charset: 'alphanumeric' };

/** A uniformly random value (crypto.randomInt per character, no modulo bias). */
export function generateValue(policy: GeneratorPolicy): string {
  const alphabet = CHARSETS[policy.charset];
  if (!alphabet) throw new ToolError('INVALID_ARGUMENT', `unknown charset ${policy.charset}`);
  let out = '';
  for (let i = 0; i < policy.length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
