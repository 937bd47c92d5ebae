// The client's two bounded mechanisms, on their own: reconnection delays (capped, jittered, so
// apps do not all return at once) and the memory of emitted message ids (bounded, oldest out).
import { describe, expect, it } from 'vitest';
import { Backoff } from '../src/backoff.ts';
import { SeenIds } from '../src/seen-ids.ts';

describe('reconnection delays', () => {
  it('double from the first delay up to the cap, each a random point in the upper half', () => {
    const backoff = new Backoff({ minDelayMs: 100, maxDelayMs: 1_000 });
    const ceilings = [100, 200, 400, 800, 1_000, 1_000, 1_000];
    for (const ceiling of ceilings) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
    backoff.reset();
    expect(backoff.next()).toBeLessThanOrEqual(100);
  });

  it('are spread out: many clients do not pick the same delay', () => {
    const delays = new Set(Array.from({ length: 50 }, () => Math.round(new Backoff({ minDelayMs: 1_000 }).next())));
    expect(delays.size).toBeGreaterThan(25);
  });
});

describe('the memory of emitted messages', () => {
  it('says each id is new once, and forgets the oldest past its bound', () => {
    const seen = new SeenIds(2);
    expect([seen.add('a'), seen.add('a'), seen.add('b'), seen.add('c')]).toEqual([true, false, true, true]);
    // 'a' was the oldest: forgotten; 'b' and 'c' are still remembered.
    expect([seen.add('b'), seen.add('c'), seen.add('a')]).toEqual([false, false, true]);
  });
});
