// Whether a service the bridge depends on answers, for operators: one log line when it goes
// down and one when it comes back (never one per request), and the same state as a gauge.
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

export class DependencyHealth {
  private readonly name: string;
  private readonly logger: Logger;
  private readonly gauge: Metrics['dependencyUp'];
  /** Unknown until the first report: the first "up" is not a recovery. */
  private up: boolean | undefined;

  constructor(name: string, metrics: Metrics, logger: Logger) {
    this.name = name;
    this.gauge = metrics.dependencyUp;
    this.logger = logger;
  }

  reportUp(): void {
    if (this.up === false) this.logger.info({ dependency: this.name }, `${this.name} recovered`);
    this.set(true);
  }

  /** `detail` says what the bridge does meanwhile (its fallback). */
  reportDown(err: unknown, detail: string): void {
    if (this.up !== false) this.logger.warn({ dependency: this.name, err }, `${this.name} degraded: ${detail}`);
    this.set(false);
  }

  private set(up: boolean): void {
    this.up = up;
    this.gauge.set({ dependency: this.name }, up ? 1 : 0);
  }
}
