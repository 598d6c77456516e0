import { z } from '@switchboard/shared';

/**
 * Quiet hours: a daily window in a time zone during which non-critical messages are held (status `held`) and
 * released when it ends. `22:00-07:00@Europe/Berlin` (environment) or { start, end, timezone } (YAML).
 */
export const quietHoursSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const match = /^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*(?:@\s*(\S+))?\s*$/.exec(value);
    return match ? { start: match[1], end: match[2], timezone: match[3] ?? 'UTC' } : value;
  },
  z.object({
    start: z.string().regex(/^\d{1,2}:\d{2}$/, 'HH:MM'),
    end: z.string().regex(/^\d{1,2}:\d{2}$/, 'HH:MM'),
    timezone: z.string().min(1).default('UTC'),
  }),
);
export type QuietHoursConfig = z.infer<typeof quietHoursSchema>;

export interface QuietHours {
  startMinute: number;
  endMinute: number;
  timezone: string;
}

function minuteOf(text: string): number | undefined {
  const [h, m] = text.split(':').map(Number);
  if (h === undefined || m === undefined || h > 23 || m > 59) return undefined;
  return h * 60 + m;
}

/** Checks and parses the window; a string is the problem found. */
export function parseQuietHours(config: QuietHoursConfig): QuietHours | string {
  const startMinute = minuteOf(config.start);
  const endMinute = minuteOf(config.end);
  if (startMinute === undefined || endMinute === undefined) return 'times are HH:MM between 00:00 and 23:59';
  if (startMinute === endMinute) return 'start and end are the same time';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: config.timezone });
  } catch {
    return `unknown time zone "${config.timezone}"`;
  }
  return { startMinute, endMinute, timezone: config.timezone };
}

function localMinute(now: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value);
  return hour * 60 + minute;
}

/** When `now` is inside the window, the moment it ends; otherwise undefined. */
export function quietUntil(window: QuietHours | undefined, now: Date): Date | undefined {
  if (!window) return undefined;
  const m = localMinute(now, window.timezone);
  const { startMinute: s, endMinute: e } = window;
  const inside = s < e ? m >= s && m < e : m >= s || m < e;
  if (!inside) return undefined;
  const minutesLeft = (e - m + 1440) % 1440;
  const release = new Date(now.getTime() + minutesLeft * 60_000);
  release.setUTCSeconds(0, 0);
  return release;
}
