// Erasure of a user at the booking system's request (GDPR right to erasure; docs/operations.md,
// "Export and erasure"). What the bridge holds goes at once: the user's messages leave the read
// model as deletions (tombstones that `sync` carries, `message:deleted` to the members through the
// outbox), then their edits, reactions, devices, blocks, read markers and the rest. What Synapse
// holds follows from durable queues: each of their events is redacted by the bot (the erasure
// worker, in any bridge process), their media deleted and their account deactivated (at once when
// Synapse answers, else by the worker). Repeating it is safe and answers what is left to do.
import type { MatrixIds } from '../matrix/ids.ts';
import type { UserDelivery } from '../messages/user-delivery.ts';
import type { Logger } from '../observability/logger.ts';
import { ERASURE_LEASE_MS, type AccountState, type ErasureStore, type RemovedData } from '../store/erasure-store.ts';
import type { AccountErasure } from './account-erasure.ts';

/** Messages taken out of the read model per transaction: the write lock is held one batch at a time. */
const MESSAGE_BATCH = 2000;

export interface ErasureSummary {
  userId: string;
  /** When the user was first erased. */
  erasedAt: string;
  /** False on the first request; a repeated one removes only what arrived since. */
  repeated: boolean;
  removed: RemovedData & { messages: number };
  /** Synapse events of the user still to be redacted (by the bot, in the background). */
  queued: { redactions: number };
  /** `done`: media deleted and account deactivated; `pending`: retried in the background; `skipped`: no Synapse admin token. */
  matrixAccount: { state: AccountState; mediaDeleted: number };
}

export class UserErasure {
  private readonly store: ErasureStore;
  private readonly ids: MatrixIds;
  private readonly account: AccountErasure;
  private readonly delivery: Pick<UserDelivery, 'disconnect'>;
  private readonly logger: Logger;

  constructor(deps: {
    store: ErasureStore;
    ids: MatrixIds;
    account: AccountErasure;
    delivery: Pick<UserDelivery, 'disconnect'>;
    logger: Logger;
  }) {
    this.store = deps.store;
    this.ids = deps.ids;
    this.account = deps.account;
    this.delivery = deps.delivery;
    this.logger = deps.logger;
  }

  async erase(userId: string): Promise<ErasureSummary> {
    const { store } = this;
    const matrixUserId = this.ids.appUser(userId);
    const { row, first } = await store.record(userId, matrixUserId);
    if (!first && row.account_state === 'skipped' && this.account.available) await store.retryAccount(userId);
    let messages = 0;
    for (;;) {
      const removed = await store.eraseMessages(userId, 'erasure', MESSAGE_BATCH);
      messages += removed;
      if (removed < MESSAGE_BATCH) break;
    }
    const removed = { messages, ...(await store.eraseRest(userId)) };
    // Their open apps hold what was just erased and would go on receiving: they are closed.
    this.delivery.disconnect([userId]);
    const matrixAccount = await this.accountStep(userId, matrixUserId, first);
    const queued = { redactions: await store.queuedRedactions(userId) };
    await store.audit(userId, { repeated: !first, removed, queued, matrixAccount });
    this.logger.info({ userId, repeated: !first, removed, queued, matrixAccount }, 'user erased');
    return { userId, erasedAt: row.requested_at.toISOString(), repeated: !first, removed, queued, matrixAccount };
  }

  /**
   * The account step at once when this request holds it (a new erasure's is claimed as it is
   * recorded; a repeated request claims it when due); when Synapse fails it, or the worker holds
   * it, the worker does it.
   */
  private async accountStep(userId: string, matrixUserId: string, claimed: boolean): Promise<ErasureSummary['matrixAccount']> {
    const held = claimed || (await this.store.claimAccount(ERASURE_LEASE_MS, userId)) !== undefined;
    const current = (await this.store.get(userId))!;
    if (!held || current.account_state !== 'pending') return { state: current.account_state, mediaDeleted: current.media_deleted };
    try {
      const outcome = await this.account.run({ user_id: userId, matrix_user_id: matrixUserId });
      return { state: outcome.state, mediaDeleted: current.media_deleted + outcome.mediaDeleted };
    } catch (err) {
      this.logger.warn({ err, userId }, 'erasure: Synapse account step failed; retried in the background');
      return { state: 'pending', mediaDeleted: current.media_deleted };
    }
  }
}
