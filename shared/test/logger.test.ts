import { afterEach, expect, jest, test } from '@jest/globals';
import { createLogger, createRedactor } from '../src/index.ts';

afterEach(() => {
  jest.useRealTimers();
});

test('every line carries its ISO time, milliseconds included, within and across seconds', () => {
  const lines: string[] = [];
  const log = createLogger({
    service: 't',
    level: 'info',
    redactor: createRedactor(),
    destination: { write: (line: string) => void lines.push(line) },
  });
  const instants = [
    '2026-01-02T03:04:05.007Z',
    '2026-01-02T03:04:05.007Z',
    '2026-01-02T03:04:05.070Z',
    '2026-01-02T03:04:05.700Z',
    '2026-01-02T03:04:05.999Z',
    '2026-01-02T03:04:06.000Z',
    '2026-12-31T23:59:59.010Z',
    '2027-01-01T00:00:00.001Z',
  ];
  jest.useFakeTimers();
  for (const instant of instants) {
    jest.setSystemTime(new Date(instant));
    log.info('tick');
  }
  expect(lines.map((line) => (JSON.parse(line) as { time: string }).time)).toEqual(instants);
});

test('a registered secret is redacted in a log line even when the line is otherwise plain', () => {
  const lines: string[] = [];
  const redactor = createRedactor();
  redactor.register('plainsecretvalue');
  const log = createLogger({ service: 't', level: 'info', redactor, destination: { write: (l: string) => void lines.push(l) } });
  log.info({ note: 'x plainsecretvalue y', short: 'ok' }, 'with plainsecretvalue');
  expect(lines[0]).not.toContain('plainsecretvalue');
  expect(JSON.parse(lines[0] as string)).toMatchObject({ note: 'x [REDACTED] y', short: 'ok', msg: 'with [REDACTED]' });
});
