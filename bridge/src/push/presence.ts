// Which users have an app in the foreground, across every bridge process: each foreground
// socket is an entry with an expiry, in a Redis sorted set per user (in memory with one
// process). The owning process refreshes its entries; a crashed process's entries lapse.
import type { Redis } from 'ioredis';

const TTL_MS = 60_000;
const REFRESH_MS = 20_000;
const key = (userId: string) => `bookingchat:foreground:${userId}`;

export class Presence {
  private readonly redis: Redis | undefined;
  /** This process's foreground sockets: userId → socket ids. */
  private readonly local = new Map<string, Set<string>>();
  /** Without Redis: userId → socket id → expiry. */
  private readonly memory = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(redis: Redis | undefined) {
    this.redis = redis;
  }

  async set(userId: string, socketId: string, foreground: boolean): Promise<void> {
    const sockets = this.local.get(userId) ?? new Set<string>();
    if (foreground) sockets.add(socketId);
    else sockets.delete(socketId);
    if (sockets.size > 0) this.local.set(userId, sockets);
    else this.local.delete(userId);
    await (foreground ? this.write(userId, [socketId]) : this.erase(userId, socketId));
  }

  /** The users among these with at least one app in the foreground. */
  async foregroundAmong(userIds: string[]): Promise<Set<string>> {
    const now = Date.now();
    if (!this.redis) {
      return new Set(userIds.filter((id) => [...(this.memory.get(id)?.values() ?? [])].some((expiry) => expiry > now)));
    }
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.zcount(key(id), now, '+inf');
    const counts = (await pipeline.exec()) ?? [];
    return new Set(userIds.filter((_id, i) => Number(counts[i]?.[1] ?? 0) > 0));
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

  private async write(userId: string, socketIds: string[]): Promise<void> {
    const expiry = Date.now() + TTL_MS;
    if (!this.redis) {
      const entries = this.memory.get(userId) ?? new Map<string, number>();
      for (const id of socketIds) entries.set(id, expiry);
      this.memory.set(userId, entries);
      return;
    }
    await this.redis
      .multi()
      .zadd(key(userId), ...socketIds.flatMap((id) => [expiry, id]))
      .zremrangebyscore(key(userId), '-inf', Date.now())
      .pexpire(key(userId), TTL_MS)
      .exec();
  }

  private async erase(userId: string, socketId: string): Promise<void> {
    if (!this.redis) {
      this.memory.get(userId)?.delete(socketId);
      return;
    }
    await this.redis.zrem(key(userId), socketId);
  }
}
