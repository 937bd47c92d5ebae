// Which users have an app in the foreground, across every bridge process: each foreground
// socket is an entry with an expiry, in a Redis sorted set per user. The owning process
// refreshes its entries; a crashed process's entries lapse. With one process, or while Redis is
// down, this process's own sockets are the answer: a user in the foreground only on another
// process then gets a push they did not need, never misses one.
import type { Redis } from 'ioredis';
import { isReady } from '../outages/shared-redis.ts';

const TTL_MS = 60_000;
const REFRESH_MS = 20_000;
const key = (userId: string) => `bookingchat:foreground:${userId}`;

export class Presence {
  private readonly redis: Redis | undefined;
  /** This process's foreground sockets: userId → socket ids. */
  private readonly local = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(redis: Redis | undefined) {
    this.redis = redis;
  }

  /**
   * Never fails: a write Redis misses is made again by the next refresh (an erase it misses
   * lapses with its entry's expiry).
   */
  async set(userId: string, socketId: string, foreground: boolean): Promise<void> {
    const sockets = this.local.get(userId) ?? new Set<string>();
    if (foreground) sockets.add(socketId);
    else sockets.delete(socketId);
    if (sockets.size > 0) this.local.set(userId, sockets);
    else this.local.delete(userId);
    await (foreground ? this.write(userId, [socketId]) : this.erase(userId, socketId)).catch(() => undefined);
  }

  /** The users among these with at least one app in the foreground. */
  async foregroundAmong(userIds: string[]): Promise<Set<string>> {
    return (await this.sharedForeground(userIds)) ?? new Set(userIds.filter((id) => this.local.has(id)));
  }

  start(): void {
    this.timer = setInterval(() => {
      for (const [userId, sockets] of this.local) void this.write(userId, [...sockets]).catch(() => undefined);
    }, REFRESH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const [userId, sockets] of this.local) for (const socketId of sockets) await this.erase(userId, socketId).catch(() => undefined);
    this.local.clear();
  }

  /** Across every process, or undefined when Redis cannot say now. */
  private async sharedForeground(userIds: string[]): Promise<Set<string> | undefined> {
    if (!isReady(this.redis)) return undefined;
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.zcount(key(id), now, '+inf');
    try {
      const counts = (await pipeline.exec()) ?? [];
      if (counts.some(([error]) => error)) return undefined;
      return new Set(userIds.filter((_id, i) => Number(counts[i]?.[1] ?? 0) > 0));
    } catch {
      return undefined;
    }
  }

  private async write(userId: string, socketIds: string[]): Promise<void> {
    if (!isReady(this.redis)) return;
    const expiry = Date.now() + TTL_MS;
    await this.redis
      .multi()
      .zadd(key(userId), ...socketIds.flatMap((id) => [expiry, id]))
      .zremrangebyscore(key(userId), '-inf', Date.now())
      .pexpire(key(userId), TTL_MS)
      .exec();
  }

  private async erase(userId: string, socketId: string): Promise<void> {
    if (isReady(this.redis)) await this.redis.zrem(key(userId), socketId);
  }
}
