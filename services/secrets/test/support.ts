import type { LogDestination } from '@switchboard/shared';

/** Everything the suite sees (results, log lines), so the leak test can grep it all at the end. */
export const SEEN = { results: [] as string[], logs: [] as string[], approvedReveals: [] as string[] };

export const captureLogs: LogDestination = {
  write: (line: string) => {
    SEEN.logs.push(line);
  },
};

/** Values the tests created or learned; none may appear outside an approved reveal. */
export const TEST_VALUES = new Set<string>();

export function remember(value: string): string {
  TEST_VALUES.add(value);
  return value;
}
