// Per-user flood control: fixed windows counted in Redis when several bridge processes run
// (one count across all of them), in memory otherwise — and in memory while Redis is down or
// slow: a Redis outage must never refuse a connection or a send.
import type { Redis } from 'ioredis';
import { isReady } from '../outages/shared-redis.ts';
import type { RateLimit, RateLimitKind } from '../config/rate-limits.ts';
import { AppError } from '../protocol/errors.ts';

// INCR the window's counter, start its expiry on the first hit; answer the count and the time left.
const CONSUME = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { n, redis.call('PTTL', KEYS[1]) }`;

export class RateLimiter {
  private readonly limits: Record<RateLimitKind, RateLimit>;
  private readonly redis: Redis | undefined;
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(limits: Record<RateLimitKind, RateLimit>, redis?: Redis) {
    this.limits = limits;
    this.redis = redis;
  }

  /** Counts one action; throws `rate_limited` with the seconds to wait when over the limit. */
  async consume(kind: RateLimitKind, userId: string): Promise<void> {
    const limit = this.limits[kind];
    const key = `bookingchat:rl:${kind}:${userId}`;
    const [count, msLeft] = (await this.consumeShared(key, limit)) ?? this.consumeInMemory(key, limit);
    if (count > limit.points) {
      throw new AppError('rate_limited', `too many ${kind} attempts; retry later`, Math.max(1, Math.ceil(msLeft / 1000)));
    }
  }

  /** The count across every process, or undefined when Redis cannot give it now. */
  private async consumeShared(key: string, limit: RateLimit): Promise<[number, number] | undefined> {
    if (!isReady(this.redis)) return undefined;
    try {
      return (await this.redis.eval(CONSUME, 1, key, limit.windowMs)) as [number, number];
    } catch {
      // The connection reports the outage (once); this one count is kept in memory.
      return undefined;
    }
  }

  private consumeInMemory(key: string, limit: RateLimit): [number, number] {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.windows.size > 100_000) this.sweep(now);
      window = { count: 0, resetAt: now + limit.windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return [window.count, window.resetAt - now];
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
