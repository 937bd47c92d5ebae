// The rate-limit settings (RATE_LIMIT_* in config.ts): what is counted and how a limit is written.
// safety/rate-limiter.ts counts against them.

/**
 * What is counted, each with its own limit (RATE_LIMIT_* in config.ts). Every client event
 * belongs to one of them (facade/event-limits.ts); `connection` counts handshakes and token
 * refreshes, `upload` the REST image uploads.
 */
export type RateLimitKind = 'message' | 'upload' | 'report' | 'connection' | 'read' | 'signal' | 'block' | 'setting';

export interface RateLimit {
  points: number;
  windowMs: number;
}

/** Parses `20/10s`, `10/1m`, `5/1h`. */
export function parseRateLimit(text: string): RateLimit | undefined {
  const match = text.trim().match(/^(\d+)\/(\d+)(ms|s|m|h)$/);
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[3] as 'ms' | 's' | 'm' | 'h'];
  const points = Number(match[1]);
  const windowMs = Number(match[2]) * unit;
  return points > 0 && windowMs > 0 ? { points, windowMs } : undefined;
}
