// The outbox (migrations/006): what must follow each stored message, deletion, edit or reaction, committed in the
// transaction that stores it. The storing process settles its rows right after the commit; rows
// it leaves behind (it died, or a follow-up failed) are claimed by a drainer in any bridge process
// once their grace has run out (SKIP LOCKED and a lease, as the push queue does).
import type { Knex } from 'knex';
import type { Database } from './database.ts';
import type { DeletionRow, EditRow, PushMessage, ReactionRow } from './rows.ts';
import { auditRow } from './safety-store.ts';

/** How long a fresh row is left to the process that stored it before a drainer may take it over. */
export const OUTBOX_GRACE_MS = 10_000;

/** A new message, a deletion, an edit (keyed by the edit's event), a reaction added or removed (by the reaction's event). */
export type OutboxKind = 'message' | 'deletion' | 'edit' | 'reaction';

export interface OutboxEntry {
  kind: OutboxKind;
  /** The message's Matrix event id (for a deletion: the removed message's). */
  event_id: string;
  booking_id: string;
  /** Claims by a drainer so far, this one included. */
  attempts: number;
}

export interface PushJob {
  device_id: string;
  message: PushMessage;
}

const fromNow = (db: Knex, ms: number) => db.raw("now() + (? * interval '1 millisecond')", [ms]);

/**
 * Called inside the storing transaction: an outbox row per deletion, edit and reaction, and the
 * redactions' audit entries (which need nothing but that commit). New messages get theirs in the
 * statement that inserts them (messages-store.ts).
 */
export async function recordFollowUps(
  trx: Knex.Transaction,
  { deleted, edits, reactions }: { deleted: DeletionRow[]; edits: EditRow[]; reactions: ReactionRow[] },
): Promise<void> {
  const entries = [
    ...deleted.map((row) => ({ kind: 'deletion', event_id: row.event_id, booking_id: row.booking_id })),
    ...edits.map((row) => ({ kind: 'edit', event_id: row.edit_event_id, booking_id: row.booking_id })),
    ...reactions.map((row) => ({ kind: 'reaction', event_id: row.reaction_event_id, booking_id: row.booking_id })),
  ];
  if (entries.length === 0) return;
  // A reaction removed while its addition is still unsettled: one row, whose follow-up tells the state it finds.
  await trx('message_outbox')
    .insert(entries.map((entry) => ({ ...entry, not_before: fromNow(trx, OUTBOX_GRACE_MS) })))
    .onConflict(['kind', 'event_id'])
    .ignore();
  if (deleted.length === 0) return;
  await trx('audit_log').insert(
    deleted.map((d) => auditRow({ actor: d.redacted_by, action: 'message.redact', bookingId: d.booking_id, target: d.event_id })),
  );
}

export class OutboxStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Takes up to `limit` rows past their grace for `leaseMs` (another drainer skips them meanwhile). */
  async claim(limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const result = await this.db.raw(
      `WITH due AS (
         SELECT kind, event_id FROM message_outbox WHERE not_before <= now() ORDER BY not_before LIMIT ? FOR UPDATE SKIP LOCKED
       )
       UPDATE message_outbox o SET not_before = now() + (? * interval '1 millisecond'), attempts = o.attempts + 1
         FROM due
        WHERE o.kind = due.kind AND o.event_id = due.event_id
       RETURNING o.kind, o.event_id, o.booking_id, o.attempts`,
      [limit, leaseMs],
    );
    return result.rows as OutboxEntry[];
  }

  /**
   * A message's follow-ups are done: its row goes and its pushes are queued in one statement.
   * Only whoever removes the row queues them, so a message is queued once even when the storing
   * process and a drainer both got this far. Returns how many pushes were queued.
   */
  async settleMessage(eventId: string, pushes: PushJob[]): Promise<number> {
    const result = await this.db.raw(
      `WITH settled AS (DELETE FROM message_outbox WHERE kind = 'message' AND event_id = ? RETURNING event_id)
       INSERT INTO push_jobs (device_id, message)
       SELECT job.device_id, job.message FROM settled, jsonb_to_recordset(?::jsonb) AS job(device_id uuid, message jsonb)`,
      [eventId, JSON.stringify(pushes)],
    );
    return result.rowCount ?? 0;
  }

  async settle(kind: OutboxKind, eventId: string): Promise<void> {
    await this.db('message_outbox').where({ kind, event_id: eventId }).delete();
  }
}
