// The read model of messages: written only by the appservice transactions, read by history,
// catch-up and the chat list.
import type { Database } from './database.ts';

export interface MessageContent {
  text?: string;
  image?: { mxc: string; thumbnailMxc?: string; width: number; height: number; mimetype: string; size: number };
  system?: { type: string; data: Record<string, unknown> };
}

export interface NewMessageRow {
  event_id: string;
  booking_id: string;
  room_id: string;
  sender_mxid: string;
  sender_id: string;
  sender_role: string;
  sender_name: string;
  kind: 'text' | 'image' | 'system';
  content: MessageContent;
  client_id: string | null;
  created_at: Date;
}

export interface MessageRow extends NewMessageRow {
  /** bigint arrives from pg as a string, which is also the wire form of a cursor. */
  seq: string;
}

export interface NewDeletion {
  event_id: string;
  redacted_by: string;
}

export interface DeletionRow extends NewDeletion {
  seq: string;
  booking_id: string;
  created_at: Date;
}

// Any constant works: it only has to be the same in every bridge process.
const WRITE_LOCK = 0x6b636861;

export class MessagesStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /**
   * Stores new messages once each (idempotent on event id; a message deleted before is not
   * stored again) and applies deletions, in one transaction; returns what changed.
   * Writers queue on one lock so that cursors commit in the order they were handed out: a
   * reader that has seen cursor N can never later find a message below N appear.
   */
  async write(rows: NewMessageRow[], deletions: NewDeletion[]): Promise<{ inserted: MessageRow[]; deleted: DeletionRow[] }> {
    if (rows.length === 0 && deletions.length === 0) return { inserted: [], deleted: [] };
    return this.db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [WRITE_LOCK]);
      let inserted: MessageRow[] = [];
      if (rows.length > 0) {
        const gone = new Set(
          (await trx('message_deletions').whereIn('event_id', rows.map((r) => r.event_id)).select('event_id')).map(
            (r: { event_id: string }) => r.event_id,
          ),
        );
        const fresh = rows.filter((r) => !gone.has(r.event_id));
        if (fresh.length > 0) {
          inserted = await trx('messages')
            .insert(fresh.map((r) => ({ ...r, content: JSON.stringify(r.content) })))
            .onConflict(['event_id', 'created_at'])
            .ignore()
            .returning('*');
        }
      }
      const deleted: DeletionRow[] = [];
      for (const deletion of deletions) {
        const [removed] = await trx('messages').where({ event_id: deletion.event_id }).delete().returning(['booking_id']);
        if (!removed) continue;
        const [tombstone] = await trx('message_deletions')
          .insert({ booking_id: removed.booking_id, event_id: deletion.event_id, redacted_by: deletion.redacted_by })
          .onConflict('event_id')
          .ignore()
          .returning('*');
        if (tombstone) deleted.push(tombstone);
      }
      return { inserted: inserted.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq))), deleted };
    });
  }

  /** Deletions in the user's bookings with a cursor in (after, upTo]. */
  async deletionsBetween(userId: string, after: string, upTo: string | undefined): Promise<DeletionRow[]> {
    const query = this.db<DeletionRow>('message_deletions')
      .whereIn('booking_id', (q) =>
        q.select('booking_id').from('bookings').where('customer_id', userId).orWhere('artist_id', userId),
      )
      .andWhere('seq', '>', after);
    if (upTo !== undefined) query.andWhere('seq', '<=', upTo);
    return query.orderBy('seq', 'asc');
  }

  async getByEventId(eventId: string): Promise<MessageRow | undefined> {
    return this.db<MessageRow>('messages').where({ event_id: eventId }).first();
  }

  /** Up to `limit` messages of a booking before a cursor, oldest first, without senders the viewer blocked. */
  async history(viewerId: string, bookingId: string, before: string | undefined, limit: number): Promise<MessageRow[]> {
    const query = this.db<MessageRow>('messages')
      .where({ booking_id: bookingId })
      .whereNotIn('sender_id', (q) => q.select('blocked_id').from('blocks').where('blocker_id', viewerId));
    if (before !== undefined) query.andWhere('seq', '<', before);
    const rows = await query.orderBy('seq', 'desc').limit(limit);
    return rows.reverse();
  }

  async getInBooking(bookingId: string, eventId: string): Promise<MessageRow | undefined> {
    return this.db<MessageRow>('messages').where({ booking_id: bookingId, event_id: eventId }).first();
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
    const before = await this.db<MessageRow>('messages').where({ booking_id: bookingId }).andWhere('seq', '<=', seq).orderBy('seq', 'desc').limit(around + 1);
    const after = await this.db<MessageRow>('messages').where({ booking_id: bookingId }).andWhere('seq', '>', seq).orderBy('seq', 'asc').limit(around);
    return [...before.reverse(), ...after];
  }

  /** Messages of every booking of a user after a cursor, oldest first, without senders they blocked. */
  async since(userId: string, after: string, limit: number): Promise<MessageRow[]> {
    // Each booking's first `limit` messages through the (booking_id, seq) index, then the first
    // `limit` of those: never a scan of everyone's messages after the cursor. The blocks filter
    // sits inside the per-booking LIMIT, or pages would come back short.
    const result = await this.db.raw(
      `SELECT m.* FROM (SELECT booking_id FROM bookings WHERE customer_id = :user
                        UNION SELECT booking_id FROM bookings WHERE artist_id = :user) b
       CROSS JOIN LATERAL (
         SELECT * FROM messages
          WHERE booking_id = b.booking_id AND seq > :after
            AND sender_id NOT IN (SELECT blocked_id FROM blocks WHERE blocker_id = :user)
          ORDER BY seq LIMIT :limit) m
       ORDER BY m.seq LIMIT :limit`,
      { user: userId, after, limit },
    );
    return result.rows as MessageRow[];
  }

  /** The newest message of each of these bookings. */
  async latestPerBooking(bookingIds: string[]): Promise<Map<string, MessageRow>> {
    if (bookingIds.length === 0) return new Map();
    const result = await this.db.raw(
      `SELECT m.* FROM unnest(?::text[]) AS b(booking_id)
         CROSS JOIN LATERAL (
           SELECT * FROM messages WHERE booking_id = b.booking_id ORDER BY seq DESC LIMIT 1
         ) m`,
      [bookingIds],
    );
    return new Map((result.rows as MessageRow[]).map((row) => [row.booking_id, row]));
  }

  /** How many messages from others each booking has after the user's read marker. */
  async unreadCounts(userId: string, bookingIds: string[]): Promise<Map<string, number>> {
    if (bookingIds.length === 0) return new Map();
    const result = await this.db.raw(
      `SELECT b.booking_id, count(m.seq)::int AS unread
         FROM unnest(?::text[]) AS b(booking_id)
         LEFT JOIN read_markers r ON r.booking_id = b.booking_id AND r.user_id = ?
         LEFT JOIN messages m ON m.booking_id = b.booking_id
                             AND m.seq > coalesce(r.last_read_seq, 0)
                             AND m.sender_id <> ?
        GROUP BY b.booking_id`,
      [bookingIds, userId, userId],
    );
    return new Map((result.rows as { booking_id: string; unread: number }[]).map((r) => [r.booking_id, r.unread]));
  }
}
