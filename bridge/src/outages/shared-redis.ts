// The shared Redis (REDIS_URL): Socket.io fan-out between processes, the shared rate-limit
// counters and foreground presence. Each has a per-process fallback, so nothing waits for
// Redis: while it is down commands fail at once (no offline queue, and users check `isReady`
// first), and a Redis that takes a command but does not answer fails it after
// COMMAND_TIMEOUT_MS. ioredis reconnects on its own, every 2 s at most.
import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';
import type { DependencyHealth } from './dependency-health.ts';

/** A local Redis answers in well under a millisecond; a send must not wait longer than this for it. */
const COMMAND_TIMEOUT_MS = 500;

export function openRedis(url: string, health: DependencyHealth, logger: Logger): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1 });
  let lastError: unknown;
  // Every reconnection attempt fails with an error while Redis is down: the transitions are
  // what operators need, so the attempts stay at debug.
  redis.on('error', (err) => {
    lastError = err;
    logger.debug({ err }, 'redis connection error');
  });
  redis.on('ready', () => health.reportUp());
  // Emitted when a lost (or never made) connection is about to be retried; not on quit.
  redis.on('reconnecting', () => health.reportDown(lastError, 'rate limits and presence per process, no fan-out between processes'));
  return redis;
}

/** Connected and past its ready check: commands may be sent now. */
export function isReady(redis: Redis | undefined): redis is Redis {
  return redis?.status === 'ready';
}

/** Quits when connected; otherwise stops reconnecting at once (a queued QUIT would wait for Redis to return). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}
