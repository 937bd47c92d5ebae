// A testing aid (FAULT_PAUSE_AT): the work that reaches the named step stops there for good, after
// one log line, so that a test can SIGKILL the process at exactly that point of a message's way
// (test/integration/crash-safe-pushes.test.ts). Unset in production: every step passes at once.
import type { FaultStep } from '../config/fault-steps.ts';
import type { Logger } from './logger.ts';

export class FaultPoints {
  private readonly pauseAt: FaultStep | undefined;
  private readonly logger: Logger;

  constructor(pauseAt: FaultStep | undefined, logger: Logger) {
    this.pauseAt = pauseAt;
    this.logger = logger;
  }

  /** Resolves at once, except at the configured step: then never. */
  async reached(step: FaultStep): Promise<void> {
    if (step !== this.pauseAt) return;
    this.logger.warn(`fault point reached: ${step}`);
    await new Promise<never>(() => undefined);
  }
}
