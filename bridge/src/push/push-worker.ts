// Sends queued pushes: claims due jobs (shared safely by every bridge process), sends them
// concurrently, and settles each by its outcome: delivered → done; token gone → device
// removed; quota or unavailable → retried later with backoff; anything else → dropped, logged.
// At-least-once: a process that dies mid-send leaves its claimed jobs to be retried when the
// claim's lease runs out; the collapse key makes a repeat replace, not add, a notification.
import type { Logger } from '../observability/logger.ts';
import { PeriodicPasses } from '../shared/periodic-passes.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { PushJobRow, PushStore } from '../store/push-store.ts';
import type { FcmSender } from './fcm-sender.ts';
import type { PushOutcome } from './push-outcome.ts';
import type { WebPushSender } from './webpush-sender.ts';

const BATCH = 32;
const LEASE_MS = 5 * 60_000;
const POLL_MS = 1000;
const MAX_ATTEMPTS = 8;

export interface PushWorkerDeps {
  store: PushStore;
  fcm: FcmSender | undefined;
  webPush: WebPushSender | undefined;
  metrics: Metrics;
  logger: Logger;
}

export class PushWorker {
  private readonly deps: PushWorkerDeps;
  private readonly passes: PeriodicPasses;

  constructor(deps: PushWorkerDeps) {
    this.deps = deps;
    this.passes = new PeriodicPasses({ name: 'push worker', everyMs: POLL_MS, pass: () => this.drain(), logger: deps.logger });
  }

  start(): void {
    this.passes.start();
  }

  /** Runs a pass now (or right after the current one). */
  kick(): void {
    this.passes.kick();
  }

  stop(): Promise<void> {
    return this.passes.stop();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const jobs = await this.deps.store.claim(BATCH, LEASE_MS);
      if (jobs.length === 0) return;
      await Promise.all(jobs.map((job) => this.settle(job)));
      if (!this.passes.started) return;
    }
  }

  private async settle(job: PushJobRow): Promise<void> {
    const { store, metrics, logger } = this.deps;
    const outcome = await this.send(job);
    metrics.pushes.inc({
      kind: job.kind,
      outcome: outcome.ok ? 'delivered' : outcome.gone ? 'gone' : outcome.retryAfterMs !== undefined ? 'retry' : 'failed',
    });
    if (outcome.ok) return store.complete(job.id);
    if (outcome.gone) {
      logger.info({ deviceId: job.device_id, reason: outcome.reason }, 'push device removed');
      return store.remove(job.device_id);
    }
    if (outcome.retryAfterMs !== undefined && job.attempts < MAX_ATTEMPTS) {
      const backoff = Math.min(2 ** job.attempts * 1000, 10 * 60_000);
      return store.retryLater(job.id, Math.max(outcome.retryAfterMs, backoff));
    }
    logger.warn({ deviceId: job.device_id, reason: outcome.reason, attempts: job.attempts }, 'push dropped');
    return store.complete(job.id);
  }

  private async send(job: PushJobRow): Promise<PushOutcome> {
    const { fcm, webPush } = this.deps;
    if (job.kind === 'fcm' && fcm) return fcm.send(job.address, job.message);
    if (job.kind === 'webpush' && webPush && job.subscription) return webPush.send(job.subscription, job.message);
    return { ok: false, gone: false, reason: `${job.kind} is not configured on this bridge` };
  }
}
