import { expect, test } from '@jest/globals';
import { RateLimiter } from '../src/policy/rate-limiter.ts';

function clock() {
  let at = 1_000_000;
  return {
    now: () => at,
    advance: (ms: number) => {
      at += ms;
    },
  };
}

test("a caller bursts up to a minute's allowance, then waits whole seconds until a token has refilled", () => {
  const time = clock();
  const limiter = new RateLimiter({ now: time.now });
  expect([1, 2, 3].map(() => limiter.take('ann', 3))).toEqual([0, 0, 0]);
  expect(limiter.take('ann', 3)).toBe(20);
  expect(limiter.take('bob', 3)).toBe(0);
  time.advance(10_000);
  expect(limiter.take('ann', 3)).toBe(10);
  time.advance(10_000);
  expect(limiter.take('ann', 3)).toBe(0);
  expect(limiter.take('ann', 3)).toBe(20);
});

test('a lower limit for a caller takes effect at once; tokens never exceed the limit', () => {
  const time = clock();
  const limiter = new RateLimiter({ now: time.now });
  expect(limiter.take('ann', 60)).toBe(0);
  // 59 tokens left under the old limit; the new one caps them at 2.
  expect([1, 2, 3].map(() => limiter.take('ann', 2))).toEqual([0, 0, 30]);
  time.advance(3_600_000);
  expect([1, 2, 3].map(() => limiter.take('ann', 2))).toEqual([0, 0, 30]);
});

test('past maxCallers the least recently seen caller is forgotten, not a busy one', () => {
  const time = clock();
  const limiter = new RateLimiter({ maxCallers: 2, now: time.now });
  expect(limiter.take('busy', 1)).toBe(0);
  expect(limiter.take('idle', 1)).toBe(0);
  expect(limiter.take('busy', 1)).toBeGreaterThan(0);
  expect(limiter.take('new', 1)).toBe(0);
  // 'idle' was forgotten (a fresh bucket); 'busy' was seen last and keeps its empty bucket.
  expect(limiter.take('busy', 1)).toBeGreaterThan(0);
  expect(limiter.take('idle', 1)).toBe(0);
});
