import { describe, expect, test } from '@jest/globals';
import {
  CORRELATION_HEADER,
  CORRELATION_META_KEY,
  findCorrelationId,
  readCorrelationId,
  writeCorrelationId,
} from '../src/index.ts';

const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('the one correlation reader', () => {
  test('precedence: _meta, then x-correlation-id, then traceparent, then a new id', () => {
    const all = { meta: { [CORRELATION_META_KEY]: 'm-1' }, headers: { [CORRELATION_HEADER]: 'h-1', traceparent: TRACE } };
    expect(readCorrelationId(all)).toBe('m-1');
    expect(readCorrelationId({ headers: all.headers })).toBe('h-1');
    expect(readCorrelationId({ meta: {}, headers: { traceparent: TRACE } })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(readCorrelationId({})).toMatch(/^[0-9a-f-]{36}$/);
    expect(findCorrelationId({})).toBeUndefined();
  });

  test('a value that cannot be an id is skipped, never used', () => {
    const bad = ['', 'has space', 'x'.repeat(129), 'line\nbreak', 42, ['a']];
    for (const value of bad) {
      expect(readCorrelationId({ meta: { [CORRELATION_META_KEY]: value }, headers: { [CORRELATION_HEADER]: 'h-2' } })).toBe(
        'h-2',
      );
      expect(findCorrelationId({ headers: { [CORRELATION_HEADER]: value as string } })).toBeUndefined();
    }
    expect(
      findCorrelationId({ headers: { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' } }),
    ).toBeUndefined();
  });

  test('the one writer puts the same id in both carriers, and the reader reads it back from either', () => {
    const meta: Record<string, unknown> = { progressToken: 3 };
    const headers: Record<string, string> = {};
    writeCorrelationId('w-1', { meta, headers });
    expect(meta).toEqual({ progressToken: 3, [CORRELATION_META_KEY]: 'w-1' });
    expect(headers).toEqual({ [CORRELATION_HEADER]: 'w-1' });
    expect(readCorrelationId({ meta })).toBe('w-1');
    expect(readCorrelationId({ headers })).toBe('w-1');
  });
});
