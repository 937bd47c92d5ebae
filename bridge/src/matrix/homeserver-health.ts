// Watches the homeserver's /health: notices it going away and coming back (then the bridge pings
// the appservice, so Synapse sends its backlog at once, and reconciles), and answers /readyz from
// the last poll instead of a request per probe.
import type { Logger } from '../observability/logger.ts';

export interface HomeserverHealthOptions {
  url: string;
  /** Called on each transition from unreachable to reachable (not on the first answer). */
  onRecovered: () => void;
  logger: Logger;
  intervalMs?: number;
  timeoutMs?: number;
}

export class HomeserverHealth {
  private readonly options: Required<HomeserverHealthOptions>;
  /** undefined until the first poll has answered. */
  private reachable: boolean | undefined;
  private polling: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: HomeserverHealthOptions) {
    this.options = { intervalMs: 5_000, timeoutMs: 3_000, ...options };
  }

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** For /readyz: throws while the last poll found the homeserver unreachable. */
  async check(): Promise<void> {
    if (this.reachable === undefined) await this.poll();
    if (!this.reachable) throw new Error('homeserver unreachable');
  }

  private poll(): Promise<void> {
    this.polling ??= this.probe().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async probe(): Promise<void> {
    const { url, timeoutMs, logger, onRecovered } = this.options;
    let reachable: boolean;
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
      reachable = response.ok;
    } catch {
      reachable = false;
    }
    const was = this.reachable;
    this.reachable = reachable;
    if (was !== false && !reachable) logger.warn({ url }, 'homeserver unreachable');
    if (was === false && reachable) {
      logger.info({ url }, 'homeserver reachable again');
      onRecovered();
    }
  }
}
