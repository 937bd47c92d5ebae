// The read model of messages: written only by the appservice transactions, read by history,
// catch-up and the chat list.
import type { BookingRow } from './bookings-store.ts';
import type { Database } from './database.ts';
import { MessageRowCache } from './message-row-cache.ts';
import { OUTBOX_GRACE_MS, recordFollowUps } from './outbox-store.ts';
import { LOCK_READ_MODEL, lockReadModel } from './read-model-lock.ts';
import { runPrepared, runTransactionBlock, type PreparedStatement } from './prepared.ts';
import type { DeletionRow, EditRow, MessageRow, NewDeletion, NewMessageRow, ReactionRow } from './rows.ts';
import { recordSendsOf } from './sends-store.ts';
import { insertEdits, insertReactions, NO_CONVERSATION_WRITES, removeReaction, type ConversationWrites } from './conversation-store.ts';

export interface HistoryRead {
  booking: BookingRow | undefined;
  rows: MessageRow[];
}

export interface CatchUpRead {
  rows: MessageRow[];
  more: boolean;
  deletions: Pick<DeletionRow, 'seq' | 'booking_id' | 'event_id'>[];
  /** Messages from before the cursor that changed after it (edits, reactions), each once, and the newest change's cursor. */
  changed: { rows: MessageRow[]; last: string | null };
}

/** What one storing transaction changed. */
export interface WriteResult {
  inserted: MessageRow[];
  deleted: DeletionRow[];
  edits: EditRow[];
  /** Reactions added, and those removed (removed_at set). */
  reactions: ReactionRow[];
}

/** Senders the viewer ($1 in every statement below) blocked: left out of what they read. */
const NOT_BLOCKED = 'sender_id NOT IN (SELECT blocked_id FROM blocks WHERE blocker_id = $1)';
const NO_UPPER_BOUND = '9223372036854775807';

// Prepared statements name their columns: a plan cached on a connection fails ("cached plan
// must not change result type") if `*` grows a column, as when another process migrates first.
// (Listed as the keys of an object that must name every field of the row type, no more.)
const BOOKING_COLUMNS = Object.keys({
  booking_id: 1,
  room_id: 1,
  customer_id: 1,
  artist_id: 1,
  title: 1,
  status: 1,
  starts_at: 1,
  closes_at: 1,
  created_at: 1,
  updated_at: 1,
  matrix_version: 1,
  matrix_synced_version: 1,
} satisfies Record<keyof BookingRow, 1>);
const MESSAGE_COLUMNS = Object.keys({
  seq: 1,
  event_id: 1,
  booking_id: 1,
  room_id: 1,
  sender_mxid: 1,
  sender_id: 1,
  sender_role: 1,
  sender_name: 1,
  kind: 1,
  content: 1,
  client_id: 1,
  created_at: 1,
} satisfies Record<keyof MessageRow, 1>);

// Each read is one statement, one round trip: the booking (for the membership check) with its
// page, or the page with the deletions up to it. Pages are cursors only; the rows come from the
// cache or, for those it misses, from ROWS_BY_SEQ (a cursor missing from that answer was
// deleted in between and is left out).
const HISTORY: PreparedStatement = {
  name: 'history_page',
  text: `SELECT ${BOOKING_COLUMNS.map((column) => `b.${column}`).join(', ')}, page.seqs AS page, page.oldest, page.newest
           FROM bookings b
           LEFT JOIN LATERAL (
             SELECT array_agg(seq ORDER BY seq) AS seqs, min(created_at)::text AS oldest, max(created_at)::text AS newest
               FROM (SELECT seq, created_at FROM messages
                      WHERE booking_id = b.booking_id AND seq < coalesce($3::bigint, ${NO_UPPER_BOUND}) AND ${NOT_BLOCKED}
                      ORDER BY seq DESC LIMIT $4) newest_first
           ) page ON $1 IN (b.customer_id, b.artist_id)
          WHERE b.booking_id = $2`,
};

// Each booking's first `limit + 1` messages through the (booking_id, seq) index, then
// the first `limit + 1` of those: never a scan of everyone's messages after the cursor. The blocks
// filter sits inside the per-booking LIMIT, or pages would come back short. Deletions go up to
// the page's last cursor when more messages follow, or to the end.
const CATCH_UP: PreparedStatement = {
  name: 'catch_up_page',
  text: `WITH mine AS (SELECT booking_id FROM bookings WHERE customer_id = $1
                   UNION SELECT booking_id FROM bookings WHERE artist_id = $1),
              page AS (SELECT m.seq, m.created_at FROM mine
                        CROSS JOIN LATERAL (
                          SELECT seq, created_at FROM messages
                           WHERE booking_id = mine.booking_id AND seq > $2 AND ${NOT_BLOCKED}
                           ORDER BY seq LIMIT $3 + 1) m
                        ORDER BY m.seq LIMIT $3 + 1),
              summary AS (SELECT array_agg(seq ORDER BY seq) AS seqs, count(*) AS n,
                                 min(created_at)::text AS oldest, max(created_at)::text AS newest FROM page)
         SELECT coalesce(seqs, '{}') AS page, oldest, newest,
                (SELECT coalesce(json_agg(json_build_object('seq', d.seq::text, 'booking_id', d.booking_id, 'event_id', d.event_id)
                                          ORDER BY d.seq), '[]')
                   FROM message_deletions d
                  WHERE d.booking_id IN (SELECT booking_id FROM mine) AND d.seq > $2
                    AND d.seq <= coalesce(CASE WHEN n > $3 THEN seqs[$3] END, ${NO_UPPER_BOUND})) AS deletions,
                (SELECT json_build_object('seqs', coalesce(json_agg(changed.seq ORDER BY changed.seq), '[]'), 'last', max(changed.last)::text,
                                          'oldest', min(changed.created_at)::text, 'newest', max(changed.created_at)::text)
                   FROM (SELECT m.seq::text AS seq, m.created_at, max(c.seq) AS last
                           FROM message_changes c
                           JOIN messages m ON m.event_id = c.target_event_id AND m.booking_id = c.booking_id
                          WHERE c.booking_id IN (SELECT booking_id FROM mine) AND c.seq > $2
                            AND c.seq <= coalesce(CASE WHEN n > $3 THEN seqs[$3] END, ${NO_UPPER_BOUND})
                            AND m.seq <= $2 AND ${NOT_BLOCKED.replace('sender_id', 'm.sender_id')}
                          GROUP BY m.seq, m.created_at) changed) AS changes
           FROM summary`,
};

// New messages in one round trip, in the order given (their cursors follow it): each once (a
// replay conflicts on the key), none that was deleted before (a late replay of a redacted event),
// each with its outbox row and, for an app user's send, its clientId's record (sends-store.ts) in
// the same statement: both roads below store through it, so a stored send is always recorded.
const insertMessages = (rows: string, graceMs: string) => `
  WITH incoming AS (SELECT * FROM jsonb_populate_recordset(NULL::messages, ${rows}::jsonb) WITH ORDINALITY),
       fresh AS (
         INSERT INTO messages (${MESSAGE_COLUMNS.filter((column) => column !== 'seq').join(', ')})
         SELECT ${MESSAGE_COLUMNS.filter((column) => column !== 'seq').join(', ')} FROM incoming
          WHERE NOT EXISTS (SELECT 1 FROM message_deletions d WHERE d.event_id = incoming.event_id)
          ORDER BY ordinality
         ON CONFLICT (event_id, created_at) DO NOTHING
         RETURNING ${MESSAGE_COLUMNS.join(', ')}
       ),
       outbox AS (
         INSERT INTO message_outbox (kind, event_id, booking_id, not_before)
         SELECT 'message', event_id, booking_id, now() + (${graceMs} * interval '1 millisecond') FROM fresh
         ON CONFLICT (kind, event_id) DO NOTHING
       ),
       sends AS (${recordSendsOf('fresh')})
  SELECT * FROM fresh`;

// The page's time span (from the index too) keeps the lookup to the partitions that hold it.
const ROWS_BY_SEQ: PreparedStatement = {
  name: 'rows_by_seq',
  text: `SELECT ${MESSAGE_COLUMNS.join(', ')} FROM messages
          WHERE created_at BETWEEN $2::timestamptz AND $3::timestamptz AND seq = ANY($1::bigint[])`,
};

/** Cursors of a page, and the homeserver times of its oldest and newest message (exact, as text). */
interface PageCursors {
  page: string[] | null;
  oldest: string | null;
  newest: string | null;
}

export class MessagesStore {
  private readonly db: Database;
  private readonly cache: MessageRowCache;

  constructor(db: Database, cache: MessageRowCache) {
    this.db = db;
    this.cache = cache;
  }

  /**
   * Stores new messages once each (idempotent on event id; a message deleted before is not
   * stored again), edits and reactions, and applies deletions (of messages, or of reactions), in
   * one transaction with their outbox rows, the records of the sends among them (sends-store.ts)
   * and the redactions' audit entries; returns what changed.
   * Writers queue on one lock (read-model-lock.ts) so that cursors commit in the order they were handed out: a
   * reader that has seen cursor N can never later find a message below N appear.
   */
  async write(
    rows: NewMessageRow[],
    deletions: NewDeletion[],
    conversation: ConversationWrites = NO_CONVERSATION_WRITES,
  ): Promise<WriteResult> {
    if (rows.length === 0 && deletions.length === 0 && conversation.edits.length === 0 && conversation.reactions.length === 0) {
      return { inserted: [], deleted: [], edits: [], reactions: [] };
    }
    if (deletions.length === 0 && conversation.edits.length === 0 && conversation.reactions.length === 0) return this.insertOnly(rows);
    const result = await this.db.transaction(async (trx) => {
      await lockReadModel(trx);
      const inserted: MessageRow[] =
        rows.length > 0 ? (await trx.raw(insertMessages('?', '?'), [JSON.stringify(rows), OUTBOX_GRACE_MS])).rows : [];
      // After the messages: an edit or a reaction may name a message of the same transaction.
      const edits = await insertEdits(trx, conversation.edits);
      const reactions = await insertReactions(trx, conversation.reactions);
      const deleted: DeletionRow[] = [];
      for (const deletion of deletions) {
        const [removed] = await trx('messages')
          .where({ event_id: deletion.event_id, booking_id: deletion.booking_id })
          .delete()
          .returning(['booking_id', 'seq']);
        if (!removed) {
          // Not a message: maybe a reaction (unreact).
          const unreacted = await removeReaction(trx, deletion.event_id, deletion.booking_id);
          if (unreacted) reactions.push(unreacted);
          continue;
        }
        this.cache.delete(removed.seq);
        const [tombstone] = await trx('message_deletions')
          .insert({ booking_id: removed.booking_id, event_id: deletion.event_id, redacted_by: deletion.redacted_by })
          .onConflict('event_id')
          .ignore()
          .returning('*');
        if (tombstone) deleted.push(tombstone);
      }
      // Committed together with what it follows: a crash after the commit cannot lose it.
      await recordFollowUps(trx, { deleted, edits, reactions });
      return { inserted: inserted.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq))), deleted, edits, reactions };
    });
    // Only once committed: a rolled-back row must not be served from the cache.
    for (const row of result.inserted) this.cache.put(row);
    return result;
  }

  /**
   * The common case, a transaction of new messages only: the lock and the insert (with its outbox
   * rows and send records) in one round trip (prepared.ts runTransactionBlock) instead of four.
   */
  private async insertOnly(rows: NewMessageRow[]): Promise<WriteResult> {
    const [, inserted] = (await runTransactionBlock(this.db, (literal) => [
      LOCK_READ_MODEL,
      insertMessages(literal(JSON.stringify(rows)), String(OUTBOX_GRACE_MS)),
    ])) as [unknown, MessageRow[]];
    for (const row of inserted) this.cache.put(row);
    return { inserted: inserted.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq))), deleted: [], edits: [], reactions: [] };
  }

  async getByEventId(eventId: string): Promise<MessageRow | undefined> {
    return this.db<MessageRow>('messages').where({ event_id: eventId }).first();
  }

  /**
   * The booking (undefined when there is none) and, when the viewer is one of its members, up to
   * `limit` of its messages before a cursor, oldest first, without senders the viewer blocked.
   */
  async history(viewerId: string, bookingId: string, before: string | undefined, limit: number): Promise<HistoryRead> {
    const [found] = await runPrepared<BookingRow & PageCursors>(this.db, HISTORY, [viewerId, bookingId, before ?? null, limit]);
    if (!found) return { booking: undefined, rows: [] };
    const { page, oldest, newest, ...booking } = found;
    return { booking, rows: await this.rowsAt(page ?? [], { oldest, newest }) };
  }

  async getInBooking(bookingId: string, eventId: string): Promise<MessageRow | undefined> {
    return this.db<MessageRow>('messages').where({ booking_id: bookingId, event_id: eventId }).first();
  }

  /** Whether this message of this booking was deleted (redacted). */
  async wasDeleted(bookingId: string, eventId: string): Promise<boolean> {
    return (await this.db('message_deletions').where({ booking_id: bookingId, event_id: eventId }).first('event_id')) !== undefined;
  }

  /** Whether a message of this booking carries this media (as its image or its thumbnail). */
  async hasMedia(bookingId: string, mxc: string): Promise<boolean> {
    const row = await this.db('messages')
      .where({ booking_id: bookingId, kind: 'image' })
      .andWhere((q) => q.whereRaw("content->'image'->>'mxc' = ?", [mxc]).orWhereRaw("content->'image'->>'thumbnailMxc' = ?", [mxc]))
      .first('event_id');
    return row !== undefined;
  }

  /** The message at `seq` with up to `around` messages on either side, oldest first. */
  async around(bookingId: string, seq: string, around: number): Promise<MessageRow[]> {
    const before = await this.db<MessageRow>('messages')
      .where({ booking_id: bookingId })
      .andWhere('seq', '<=', seq)
      .orderBy('seq', 'desc')
      .limit(around + 1);
    const after = await this.db<MessageRow>('messages')
      .where({ booking_id: bookingId })
      .andWhere('seq', '>', seq)
      .orderBy('seq', 'asc')
      .limit(around);
    return [...before.reverse(), ...after];
  }

  /**
   * Up to `limit` messages of every booking of a user after a cursor, oldest first, without
   * senders they blocked; whether more follow; and the deletions in those bookings from the
   * cursor up to this page's last message (or all of them, when no more follow).
   */
  async catchUp(userId: string, after: string, limit: number): Promise<CatchUpRead> {
    type Changes = { seqs: string[]; last: string | null; oldest: string | null; newest: string | null };
    type Read = PageCursors & { page: string[]; deletions: CatchUpRead['deletions']; changes: Changes };
    const [{ page, oldest, newest, deletions, changes }] = (await runPrepared<Read>(this.db, CATCH_UP, [userId, after, limit])) as [Read];
    const more = page.length > limit;
    return {
      rows: await this.rowsAt(more ? page.slice(0, limit) : page, { oldest, newest }),
      more,
      deletions,
      changed: { rows: await this.rowsAt(changes.seqs, changes), last: changes.last },
    };
  }

  /** The rows at these cursors, in the same order, from the cache where it has them. */
  private async rowsAt(cursors: string[], span: Omit<PageCursors, 'page'>): Promise<MessageRow[]> {
    const cached = cursors.map((seq) => this.cache.get(seq));
    const missing = cursors.filter((_, i) => cached[i] === undefined);
    if (missing.length === 0) return cached as MessageRow[];
    const fetched = new Map<string, MessageRow>();
    for (const row of await runPrepared<MessageRow>(this.db, ROWS_BY_SEQ, [missing, span.oldest, span.newest])) {
      this.cache.put(row);
      fetched.set(row.seq, row);
    }
    return cursors.map((seq, i) => cached[i] ?? fetched.get(seq)).filter((row) => row !== undefined);
  }

  /** The newest message of each of these bookings that the viewer sees (not from someone they blocked). */
  async latestPerBooking(viewerId: string, bookingIds: string[]): Promise<Map<string, MessageRow>> {
    if (bookingIds.length === 0) return new Map();
    const result = await this.db.raw(
      `SELECT m.* FROM unnest(?::text[]) AS b(booking_id)
         CROSS JOIN LATERAL (
           SELECT * FROM messages
            WHERE booking_id = b.booking_id AND sender_id NOT IN (SELECT blocked_id FROM blocks WHERE blocker_id = ?)
            ORDER BY seq DESC LIMIT 1
         ) m`,
      [bookingIds, viewerId],
    );
    return new Map((result.rows as MessageRow[]).map((row) => [row.booking_id, row]));
  }

  /** How many messages from others (less those the user blocked) each booking has after the user's read marker. */
  async unreadCounts(userId: string, bookingIds: string[]): Promise<Map<string, number>> {
    if (bookingIds.length === 0) return new Map();
    const result = await this.db.raw(
      `SELECT b.booking_id, count(m.seq)::int AS unread
         FROM unnest(?::text[]) AS b(booking_id)
         LEFT JOIN read_markers r ON r.booking_id = b.booking_id AND r.user_id = ?
         LEFT JOIN messages m ON m.booking_id = b.booking_id
                             AND m.seq > coalesce(r.last_read_seq, 0)
                             AND m.sender_id <> ?
                             AND m.sender_id NOT IN (SELECT blocked_id FROM blocks WHERE blocker_id = ?)
        GROUP BY b.booking_id`,
      [bookingIds, userId, userId, userId],
    );
    return new Map((result.rows as { booking_id: string; unread: number }[]).map((r) => [r.booking_id, r.unread]));
  }
}
