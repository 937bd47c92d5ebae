// The loop every queue worker runs (the outbox drainer, the push worker, the erasure worker, the
// room pool): a
// pass every interval and whenever new work is known of, one pass at a time, a kick during a pass
// runs another right after it, a failed pass is logged and the next one tries again, and stop
// waits for the pass under way.
import type { Logger } from '../observability/logger.ts';

export interface PeriodicPassesOptions {
  /** For the log line of a failed pass. */
  name: string;
  everyMs: number;
  pass: () => Promise<void>;
  logger: Logger;
}

export class PeriodicPasses {
  private readonly options: PeriodicPassesOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private active = false;

  constructor(options: PeriodicPassesOptions) {
    this.options = options;
  }

  /** False once stop() was called: a long pass checks it between batches and ends early. */
  get started(): boolean {
    return this.active;
  }

  start(): void {
    this.active = true;
    this.timer = setInterval(() => this.kick(), this.options.everyMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs a pass now, or right after the one under way. */
  kick(): void {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.options
      .pass()
      .catch((err: unknown) => this.options.logger.error({ err }, `${this.options.name} pass failed`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Once no pass is under way or due (a kick during a pass runs another: that one too). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.active = false;
    clearInterval(this.timer);
    await this.running;
  }
}
