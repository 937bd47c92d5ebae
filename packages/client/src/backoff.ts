// Capped exponential backoff with jitter, so that every app does not come back at once after
// the server restarts.

export interface BackoffOptions {
  /** The first delay (default 500 ms). */
  minDelayMs?: number;
  /** The cap (default 30 s). */
  maxDelayMs?: number;
}

export class Backoff {
  private readonly min: number;
  private readonly max: number;
  private attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.min = options.minDelayMs ?? 500;
    this.max = Math.max(this.min, options.maxDelayMs ?? 30_000);
  }

  /** The next delay: min·2ⁿ capped at max, then a random point in its upper half ("equal jitter"). */
  next(): number {
    const ceiling = Math.min(this.max, this.min * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  reset(): void {
    this.attempts = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
