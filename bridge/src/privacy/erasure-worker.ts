// Works off what erasures left for Synapse (privacy/user-erasure.ts), in every bridge process:
// the erased users' events, redacted by the bot (power 100 in every booking room, so it can
// whatever state the user's account is in), and account steps that failed when requested.
// Claims with SKIP LOCKED and a lease, as the outbox drainer does; a redaction Synapse keeps
// refusing is given up after a few claims, logged, so the queue never wedges.
import { matrixFailureOf } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { Logger } from '../observability/logger.ts';
import { PeriodicPasses } from '../shared/periodic-passes.ts';
import { ERASURE_LEASE_MS as LEASE_MS, type ErasureStore, type QueuedRedaction } from '../store/erasure-store.ts';
import type { AccountErasure } from './account-erasure.ts';

const BATCH = 16;
const POLL_MS = 2000;
const MAX_ATTEMPTS = 10;
const REASON = 'erased at the user’s request';

export class ErasureWorker {
  private readonly deps: { store: ErasureStore; homeserver: Homeserver; account: AccountErasure; logger: Logger };
  private readonly passes: PeriodicPasses;

  constructor(deps: ErasureWorker['deps']) {
    this.deps = deps;
    this.passes = new PeriodicPasses({ name: 'erasure', everyMs: POLL_MS, pass: () => this.pass(), logger: deps.logger });
  }

  start(): void {
    this.passes.start();
  }

  stop(): Promise<void> {
    return this.passes.stop();
  }

  /** Runs a pass now (a new erasure queued work), or right after the one under way. */
  poke(): void {
    this.passes.kick();
  }

  private async pass(): Promise<void> {
    const { store, account } = this.deps;
    for (let erasure = await store.claimAccount(LEASE_MS); erasure && this.passes.started; erasure = await store.claimAccount(LEASE_MS)) {
      await account
        .run(erasure)
        .catch((err: unknown) => this.deps.logger.warn({ err, userId: erasure!.user_id }, 'erasure account step failed'));
    }
    while (this.passes.started) {
      const claimed = await store.claimRedactions(BATCH, LEASE_MS);
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((redaction) => this.redact(redaction)));
    }
  }

  private async redact(redaction: QueuedRedaction): Promise<void> {
    const { store, homeserver, logger } = this.deps;
    const where = { eventId: redaction.event_id, userId: redaction.user_id, attempts: redaction.attempts };
    try {
      await homeserver.bot.matrixClient.redactEvent(redaction.room_id, redaction.event_id, REASON);
      await store.redactionDone(redaction.event_id);
    } catch (error) {
      const failure = matrixFailureOf(error);
      if (failure.status === 404 || failure.errcode === 'M_NOT_FOUND') {
        await store.redactionDone(redaction.event_id);
      } else if (redaction.attempts >= MAX_ATTEMPTS) {
        logger.error({ err: error, ...where }, 'erasure redaction given up');
        await store.redactionDone(redaction.event_id);
      } else {
        logger.warn({ err: error, ...where }, 'erasure redaction failed: retried after its lease');
      }
    }
  }
}
