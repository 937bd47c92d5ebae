// At most MAX_SOCKETS_PER_USER open sockets per user, across every bridge process: each admitted
// socket is an entry with an expiry in a Redis sorted set per user, refreshed by the process that
// holds it (a crashed process's entries lapse). With one process, or while Redis is down, this
// process's own sockets are counted: a Redis outage must never refuse a connection that fits here.
//
// Over the cap the new handshake is refused (`rate_limited`), rather than the oldest socket
// closed: a web app open in many tabs would otherwise have its tabs close each other in turn.
import type { Redis } from 'ioredis';
import { isReady } from '../outages/shared-redis.ts';
import { AppError } from '../protocol/errors.ts';

const TTL_MS = 60_000;
const REFRESH_MS = 20_000;
/** A socket dropped without a goodbye lingers until Socket.io's ping timeout (about 45 s). */
const RETRY_AFTER_SECONDS = 15;
const key = (userId: string) => `bookingchat:sockets:${userId}`;

// Drop lapsed entries, then add this socket only if the user is under the cap.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export class SocketQuota {
  private readonly max: number;
  private readonly redis: Redis | undefined;
  /** This process's admitted sockets: userId → socket ids. */
  private readonly local = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(max: number, redis: Redis | undefined) {
    this.max = max;
    this.redis = redis;
  }

  /** Counts the socket in; throws `rate_limited` when the user already has `max` open. */
  async acquire(userId: string, socketId: string): Promise<void> {
    const shared = await this.acquireShared(userId, socketId);
    // Read after the await: two handshakes of one user at once must not both see the last seat free.
    const sockets = this.local.get(userId) ?? new Set<string>();
    if (!(shared ?? sockets.size < this.max)) {
      throw new AppError('rate_limited', `at most ${this.max} connections at once per user; close one`, RETRY_AFTER_SECONDS);
    }
    this.local.set(userId, sockets.add(socketId));
  }

  /** Idempotent: called on the socket's disconnect and its connection's close, whichever come. */
  release(userId: string, socketId: string): void {
    const sockets = this.local.get(userId);
    if (!sockets?.delete(socketId)) return;
    if (sockets.size === 0) this.local.delete(userId);
    if (isReady(this.redis)) void this.redis.zrem(key(userId), socketId).catch(() => undefined);
  }

  start(): void {
    this.timer = setInterval(() => {
      for (const [userId, sockets] of this.local) void this.refresh(userId, [...sockets]).catch(() => undefined);
    }, REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** True or false across every process, or undefined when Redis cannot say now. */
  private async acquireShared(userId: string, socketId: string): Promise<boolean | undefined> {
    if (!isReady(this.redis)) return undefined;
    const now = Date.now();
    try {
      return (await this.redis.eval(ACQUIRE, 1, key(userId), now, now + TTL_MS, this.max, socketId, TTL_MS)) === 1;
    } catch {
      return undefined;
    }
  }

  /** Also writes back, after an outage, the entries Redis missed meanwhile. */
  private async refresh(userId: string, socketIds: string[]): Promise<void> {
    if (!isReady(this.redis)) return;
    const expiry = Date.now() + TTL_MS;
    await this.redis
      .multi()
      .zadd(key(userId), ...socketIds.flatMap((id) => [expiry, id]))
      .pexpire(key(userId), TTL_MS)
      .exec();
  }
}
