import { describe, expect, test } from '@jest/globals';
import {
  createNameFilter,
  decodeCursor,
  encodeCursor,
  matchesNamePattern,
  namePatternRegExp,
  sleep,
  ToolError,
} from '../src/index.ts';

describe('name patterns (allow/deny lists of names)', () => {
  test('* is any run (none too), ? one character, the rest literal, the whole name', () => {
    expect(matchesNamePattern('listPods', ['list*'])).toBe(true);
    expect(matchesNamePattern('list', ['list*'])).toBe(true);
    expect(matchesNamePattern('xlistPods', ['list*'])).toBe(false);
    expect(matchesNamePattern('pod-1', ['pod-?'])).toBe(true);
    expect(matchesNamePattern('pod-12', ['pod-?'])).toBe(false);
    expect(matchesNamePattern('a.b', ['a.b'])).toBe(true);
    expect(matchesNamePattern('axb', ['a.b'])).toBe(false);
    expect(matchesNamePattern('team/bucket.logs', ['team/*'])).toBe(true);
    expect(namePatternRegExp('(x)+[y]').test('(x)+[y]')).toBe(true);
    expect(matchesNamePattern('List', ['list'])).toBe(false);
  });

  test('a filter passes what an allow pattern matches and no deny pattern does', () => {
    const allowed = createNameFilter(['*'], ['delete*', 'kube-?ystem']);
    expect(allowed('getItem')).toBe(true);
    expect(allowed('deleteItem')).toBe(false);
    expect(allowed('kube-system')).toBe(false);
    expect(createNameFilter([])('anything')).toBe(false);
  });
});

describe('the one sleep', () => {
  test('waits; an aborted signal stops it with the reason it was aborted with', async () => {
    const started = Date.now();
    await sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const reason = new Error('stop now');
    setTimeout(() => controller.abort(reason), 10);
    await expect(sleep(10_000, controller.signal)).rejects.toBe(reason);
    await expect(sleep(10, controller.signal)).rejects.toBe(reason);
  });
});

describe('the shared cursors', () => {
  test('a cursor is bound to the query it pages', () => {
    const cursor = encodeCursor({ o: 5 }, 'tools');
    expect(decodeCursor(cursor, 'tools')).toEqual({ o: 5 });
    expect(() => decodeCursor(cursor, 'prompts')).toThrow(ToolError);
    expect(() => decodeCursor('garbage!', 'tools')).toThrow(/malformed/);
  });
});
