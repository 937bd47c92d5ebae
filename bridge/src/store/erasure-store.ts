// A user's erasure (privacy/user-erasure.ts) in SQL: the record of it (migrations/011), their
// messages taken out of the read model a batch at a time as deletions that `sync` and the outbox
// carry to the other members, the rest of what the bridge holds about them, and the two durable
// queues of Synapse work (redactions; the account's media and deactivation) that every process
// works off (SKIP LOCKED and a lease, as the outbox and the push queue do).
import type { Knex } from 'knex';
import type { Database } from './database.ts';
import { lockReadModel } from './read-model-lock.ts';
import { auditRow } from './safety-store.ts';

/** What the name of an erased user reads as, in the other member's chat list. */
export const ERASED_NAME = 'Deleted user';

export type AccountState = 'pending' | 'done' | 'skipped';

export interface ErasureRow {
  user_id: string;
  matrix_user_id: string;
  requested_at: Date;
  account_state: AccountState;
  account_attempts: number;
  /** Until when the account step is claimed (by the request that recorded it, or a worker). */
  account_not_before: Date;
  media_deleted: number;
}

export interface RemovedData {
  edits: number;
  reactions: number;
  devices: number;
  blocksMade: number;
  blocksOfUser: number;
  readMarkers: number;
  mutedChats: number;
  sentRecords: number;
  profile: number;
}

export interface QueuedRedaction {
  event_id: string;
  room_id: string;
  user_id: string;
  attempts: number;
}

const count = async (query: Knex.QueryBuilder) => Number(await query.delete());

/** How long a claim on an erasure's work (its account step, a queued redaction) holds before another process may take it. */
export const ERASURE_LEASE_MS = 60_000;

export class ErasureStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Records the erasure once; `first` is false when it was recorded before. */
  /**
   * A new erasure's account step is claimed for the request that records it (the worker takes it
   * over only once the claim ran out): the two would otherwise deactivate the account at once,
   * and Synapse fails the second with a 500.
   */
  async record(userId: string, matrixUserId: string): Promise<{ row: ErasureRow; first: boolean }> {
    const [inserted] = await this.db('erasures')
      .insert({ user_id: userId, matrix_user_id: matrixUserId, account_not_before: this.leaseEnd(ERASURE_LEASE_MS), account_attempts: 1 })
      .onConflict('user_id')
      .ignore()
      .returning('*');
    if (inserted) return { row: inserted as ErasureRow, first: true };
    return { row: (await this.db('erasures').where({ user_id: userId }).first()) as ErasureRow, first: false };
  }

  async get(userId: string): Promise<ErasureRow | undefined> {
    return this.db('erasures').where({ user_id: userId }).first();
  }

  /** Which of these users were erased. */
  async erasedAmong(userIds: string[]): Promise<string[]> {
    const rows = await this.db('erasures').whereIn('user_id', userIds).select('user_id');
    return rows.map((row: { user_id: string }) => row.user_id);
  }

  /**
   * Takes up to `limit` of the user's messages out of the read model, in one transaction under the
   * read model's write lock: each leaves a tombstone (a cursor `sync` reports), a deletion outbox
   * row due at once (any process's drainer emits `message:deleted` to the members), and a queued
   * redaction; the message's own outbox row and pushes still queued with its text go. Returns how
   * many went (fewer than `limit`: none are left).
   */
  async eraseMessages(userId: string, redactedBy: string, limit: number): Promise<number> {
    return this.db.transaction(async (trx) => {
      await lockReadModel(trx);
      const result = await trx.raw(
        `WITH victims AS (
           SELECT event_id, created_at FROM messages WHERE sender_id = :userId ORDER BY seq LIMIT :limit
         ), removed AS (
           DELETE FROM messages m USING victims v
            WHERE m.event_id = v.event_id AND m.created_at = v.created_at
           RETURNING m.event_id, m.booking_id, m.room_id
         ), tombstones AS (
           INSERT INTO message_deletions (booking_id, event_id, redacted_by)
           SELECT booking_id, event_id, :redactedBy FROM removed
           ON CONFLICT (event_id) DO NOTHING
           RETURNING booking_id, event_id
         ), emits AS (
           INSERT INTO message_outbox (kind, event_id, booking_id, not_before)
           SELECT 'deletion', event_id, booking_id, now() FROM tombstones
           ON CONFLICT DO NOTHING
         ), own_outbox AS (
           DELETE FROM message_outbox WHERE kind = 'message' AND event_id IN (SELECT event_id FROM removed)
         ), previews AS (
           DELETE FROM push_jobs WHERE message->>'messageId' IN (SELECT event_id FROM removed)
         ), redactions AS (
           INSERT INTO erasure_redactions (event_id, room_id, user_id)
           SELECT event_id, room_id, :userId FROM removed
           ON CONFLICT DO NOTHING
         )
         SELECT count(*)::int AS n FROM removed`,
        { userId, limit, redactedBy },
      );
      return (result.rows[0] as { n: number }).n;
    });
  }

  /**
   * Everything else the bridge holds about the user, in one transaction: their edits and
   * reactions (their Matrix events queued for redaction; a message whose reactions changed gets a
   * change row, so `sync` brings it as it is now), devices (and their queued pushes), blocks they
   * made and blocks of them, read markers, muted chats, the send records, and their name.
   */
  async eraseRest(userId: string): Promise<RemovedData> {
    return this.db.transaction(async (trx) => {
      await lockReadModel(trx);
      const edits = await trx.raw(
        `WITH removed AS (DELETE FROM message_edits WHERE sender_id = ? RETURNING edit_event_id, booking_id),
              queued AS (INSERT INTO erasure_redactions (event_id, room_id, user_id)
                         SELECT r.edit_event_id, b.room_id, ? FROM removed r JOIN bookings b USING (booking_id)
                         ON CONFLICT DO NOTHING)
         SELECT count(*)::int AS n FROM removed`,
        [userId, userId],
      );
      const reactions = await trx.raw(
        `WITH removed AS (DELETE FROM message_reactions WHERE user_id = ? RETURNING reaction_event_id, target_event_id, booking_id, removed_at),
              queued AS (INSERT INTO erasure_redactions (event_id, room_id, user_id)
                         SELECT r.reaction_event_id, b.room_id, ? FROM removed r JOIN bookings b USING (booking_id)
                         WHERE r.removed_at IS NULL
                         ON CONFLICT DO NOTHING),
              changed AS (INSERT INTO message_changes (booking_id, target_event_id)
                          SELECT DISTINCT booking_id, target_event_id FROM removed WHERE removed_at IS NULL)
         SELECT count(*)::int AS n FROM removed`,
        [userId, userId],
      );
      const removed: RemovedData = {
        edits: (edits.rows[0] as { n: number }).n,
        reactions: (reactions.rows[0] as { n: number }).n,
        devices: await count(trx('devices').where({ user_id: userId })),
        blocksMade: await count(trx('blocks').where({ blocker_id: userId })),
        blocksOfUser: await count(trx('blocks').where({ blocked_id: userId })),
        readMarkers: await count(trx('read_markers').where({ user_id: userId })),
        mutedChats: await count(trx('chat_mutes').where({ user_id: userId })),
        sentRecords: await count(trx('sent_messages').where({ sender_id: userId })),
        profile: await trx('app_users')
          .where({ user_id: userId })
          .whereNot({ name: ERASED_NAME })
          .update({ name: ERASED_NAME, updated_at: trx.fn.now() }),
      };
      return removed;
    });
  }

  async audit(userId: string, details: Record<string, unknown>): Promise<void> {
    await this.db('audit_log').insert(auditRow({ actor: 'booking-system', action: 'user.erase', target: userId, details }));
  }

  async queuedRedactions(userId: string): Promise<number> {
    const [row] = await this.db('erasure_redactions').where({ user_id: userId }).count<{ n: string }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** Takes up to `limit` due redactions for `leaseMs` (another process skips them meanwhile). */
  async claimRedactions(limit: number, leaseMs: number): Promise<QueuedRedaction[]> {
    const result = await this.db.raw(
      `WITH due AS (SELECT event_id FROM erasure_redactions WHERE not_before <= now() ORDER BY not_before LIMIT ? FOR UPDATE SKIP LOCKED)
       UPDATE erasure_redactions r SET not_before = now() + (? * interval '1 millisecond'), attempts = r.attempts + 1
         FROM due WHERE r.event_id = due.event_id
       RETURNING r.event_id, r.room_id, r.user_id, r.attempts`,
      [limit, leaseMs],
    );
    return result.rows as QueuedRedaction[];
  }

  async redactionDone(eventId: string): Promise<void> {
    await this.db('erasure_redactions').where({ event_id: eventId }).delete();
  }

  /** Takes one erasure whose account step is due (`userId`'s only, when given), for `leaseMs`. */
  async claimAccount(leaseMs: number, userId?: string): Promise<ErasureRow | undefined> {
    const result = await this.db.raw(
      `WITH due AS (SELECT user_id FROM erasures WHERE account_state = 'pending' AND account_not_before <= now()
                       AND (CAST(? AS text) IS NULL OR user_id = CAST(? AS text))
                     ORDER BY account_not_before LIMIT 1 FOR UPDATE SKIP LOCKED)
       UPDATE erasures e SET account_not_before = now() + (? * interval '1 millisecond'), account_attempts = e.account_attempts + 1
         FROM due WHERE e.user_id = due.user_id
       RETURNING e.*`,
      [userId ?? null, userId ?? null, leaseMs],
    );
    return result.rows[0] as ErasureRow | undefined;
  }

  private leaseEnd(leaseMs: number) {
    return this.db.raw("now() + (? * interval '1 millisecond')", [leaseMs]);
  }

  async settleAccount(userId: string, state: AccountState, mediaDeleted: number): Promise<void> {
    await this.db('erasures')
      .where({ user_id: userId })
      .update({ account_state: state, media_deleted: this.db.raw('media_deleted + ?', [mediaDeleted]) });
  }

  /** A skipped account step is tried again (an admin token was configured since). */
  async retryAccount(userId: string): Promise<void> {
    await this.db('erasures')
      .where({ user_id: userId, account_state: 'skipped' })
      .update({ account_state: 'pending', account_not_before: this.db.fn.now() });
  }
}
