// The outbox (migrations/006): what must follow each stored message, deletion, edit or reaction, committed in the
// transaction that stores it. The storing process settles its rows right after the commit; rows
// it leaves behind (it died, or a follow-up failed) are claimed by a drainer in any bridge process
// once their grace has run out (SKIP LOCKED and a lease, as the push queue does).
import type { Knex } from 'knex';
import type { Database } from './database.ts';
import type { DeletionRow, EditRow, PushMessage, ReactionRow } from './rows.ts';
import { isDataError } from './database-errors.ts';
import { runStatement } from './prepared.ts';
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

/** How long a settled row waits for others to share its statement (docs/operations.md, issue #13). */
const SETTLE_WINDOW_MS = 100;
/** A batch this large goes at once. */
const SETTLE_BATCH_MAX = 256;

export class OutboxStore {
  private readonly db: Database;
  private pending = new Map<string, PendingSettle>();
  private timer: NodeJS.Timeout | undefined;
  private readonly flushing = new Set<Promise<void>>();

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
   * A row's follow-ups are done: the row goes and, for a message, its pushes are queued, in one
   * statement. Only whoever removes the row queues them, so a message is queued once even when
   * the storing process and a drainer both got this far. Rows settled within SETTLE_WINDOW_MS of
   * each other share that statement: one round trip for many messages instead of one each (the
   * pushes leave at most that much later). Resolves to how many pushes this row queued.
   */
  settle(kind: OutboxKind, eventId: string, pushes: PushJob[] = []): Promise<number> {
    const key = rowKey(kind, eventId);
    const batch = this.pending;
    return new Promise((resolve, reject) => {
      // The same row twice in one batch: the first removes it and queues; the other finds it gone.
      if (batch.has(key)) batch.get(key)!.waiting.push({ resolve: () => resolve(0), reject });
      else batch.set(key, { kind, event_id: eventId, pushes, waiting: [{ resolve, reject }] });
      if (batch.size >= SETTLE_BATCH_MAX) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), SETTLE_WINDOW_MS).unref();
    });
  }

  /** On stop: the rows waiting for their batch are settled now. */
  async close(): Promise<void> {
    this.flush();
    // A refused batch's rows start statements of their own as it fails: wait for those too.
    while (this.flushing.size > 0) await Promise.allSettled([...this.flushing]);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    if (batch.length > 0) this.run(batch);
  }

  /** A batch the database refused is settled again row by row: one row it refuses keeps only its own back. */
  private run(batch: PendingSettle[]): void {
    const rows = batch.map(({ kind, event_id, pushes }) => ({ kind, event_id, pushes }));
    const run = runStatement<{ kind: OutboxKind; event_id: string }>(this.db, SETTLE, [JSON.stringify(rows)]).then(
      (settled) => {
        const removed = new Set(settled.map((row) => rowKey(row.kind, row.event_id)));
        for (const entry of batch) {
          const queued = removed.has(rowKey(entry.kind, entry.event_id)) ? entry.pushes.length : 0;
          entry.waiting.forEach(({ resolve }) => resolve(queued));
        }
      },
      (error: unknown) => {
        // Refused, not unreachable: an outage would refuse each row the same way.
        if (batch.length > 1 && isDataError(error)) batch.forEach((entry) => this.run([entry]));
        else batch[0]!.waiting.forEach(({ reject }) => reject(error));
      },
    );
    this.flushing.add(run);
    void run.finally(() => this.flushing.delete(run));
  }
}

/** An outbox row's key within a batch (no kind holds a space, so no two rows share one). */
const rowKey = (kind: OutboxKind, eventId: string) => `${kind} ${eventId}`;

interface PendingSettle {
  kind: OutboxKind;
  event_id: string;
  pushes: PushJob[];
  waiting: { resolve: (queued: number) => void; reject: (error: unknown) => void }[];
}

/** The rows of a batch go, and the pushes of those this statement removed are queued. */
const SETTLE = `
  WITH batch AS (
    SELECT b.kind, b.event_id, b.pushes FROM jsonb_to_recordset($1::jsonb) AS b(kind text, event_id text, pushes jsonb)
  ), settled AS (
    DELETE FROM message_outbox o USING batch b WHERE o.kind = b.kind AND o.event_id = b.event_id RETURNING o.kind, o.event_id
  ), queued AS (
    INSERT INTO push_jobs (device_id, message)
    SELECT job.device_id, job.message
      FROM settled s JOIN batch b ON b.kind = s.kind AND b.event_id = s.event_id,
           jsonb_to_recordset(b.pushes) AS job(device_id uuid, message jsonb)
  )
  SELECT kind, event_id FROM settled`;
