// Decoding and re-encoding a photo takes a core and up to a few hundred MB for a moment (sharp
// works off the event loop, on libuv's small thread pool, which DNS lookups and file reads
// share). So a few decodes run at once (IMAGE_DECODE_CONCURRENCY), a few more wait their turn
// (IMAGE_DECODE_QUEUE), and the rest are refused `unavailable` at once: the app retries after
// `retryAfter` seconds with the same clientId.
import { AppError } from '../protocol/errors.ts';

/** About the time a large photo takes to clean, times the queue ahead of it. */
const RETRY_AFTER_SECONDS = 2;

export class DecodeQueue {
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(concurrency: number, maxWaiting: number) {
    this.concurrency = concurrency;
    this.maxWaiting = maxWaiting;
  }

  /** Throws `unavailable` when a decode would be refused now (an upload is then refused before its body is read). */
  requireRoom(): void {
    if (this.running >= this.concurrency && this.waiting.length >= this.maxWaiting) {
      throw new AppError('unavailable', 'too many photos are being processed; retry shortly', RETRY_AFTER_SECONDS);
    }
  }

  async run<T>(decode: () => Promise<T>): Promise<T> {
    this.requireRoom();
    if (this.running >= this.concurrency) {
      // The slot is handed over by the decode that ends, so `running` stays counted for us.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await decode();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
