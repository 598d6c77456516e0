/**
 * The masked preview shown instead of a value: `ab****yz` for long values, fewer clear characters for short ones
 * and none under 8 characters (showing 4 characters of a 6-character PIN would give most of it away).
 */
export function previewOf(value: string): { preview: string; length: number } {
  const chars = [...value];
  const length = chars.length;
  const clear = length >= 16 ? 2 : length >= 8 ? 1 : 0;
  const preview = clear === 0 ? '****' : `${chars.slice(0, clear).join('')}****${chars.slice(-clear).join('')}`;
  return { preview, length };
}
