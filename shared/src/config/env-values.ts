import { z } from 'zod';

/**
 * Zod helpers that read configuration values which arrive as strings (environment variables) or as typed
 * values (YAML). Each accepts both forms.
 */
const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

export function envBoolean() {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    const lower = value.trim().toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    return value;
  }, z.boolean());
}

export function envInt(options: { min?: number; max?: number } = {}) {
  let schema = z.number().int();
  if (options.min !== undefined) schema = schema.min(options.min);
  if (options.max !== undefined) schema = schema.max(options.max);
  return z.preprocess((value) => {
    if (typeof value !== 'string' || value.trim() === '') return value;
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }, schema);
}

/** A comma-separated list (env) or an array (YAML); empty entries are dropped. */
export function envList<T extends z.ZodType = z.ZodString>(item?: T) {
  const element = (item ?? z.string()) as T;
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    return value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
  }, z.array(element));
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  k: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A byte size: a number of bytes or a string such as `64kb`, `1mb`. */
export function envBytes() {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    if (!match) return value;
    const unit = SIZE_UNITS[(match[2] || 'b').toLowerCase()];
    return unit === undefined ? value : Math.floor(Number(match[1]) * unit);
  }, z.number().int().min(1));
}

/**
 * A structured value: JSON text in an environment variable, or the typed value a YAML config file gives. Text that is
 * not JSON is passed on as it is, so the schema reports what is wrong with it.
 */
export function envJson<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }, schema);
}
