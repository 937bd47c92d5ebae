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

// Any constant works: it only has to be the same in every bridge process.
const WRITE_LOCK = 0x6b636861;

export class MessagesStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /**
   * Stores messages once each (idempotent on event id) and returns the ones that were new.
   * Writers queue on one lock so that cursors commit in the order they were handed out: a
   * reader that has seen cursor N can never later find a message below N appear.
   */
  async insertNew(rows: NewMessageRow[]): Promise<MessageRow[]> {
    if (rows.length === 0) return [];
    return this.db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [WRITE_LOCK]);
      const inserted: MessageRow[] = await trx('messages')
        .insert(rows.map((r) => ({ ...r, content: JSON.stringify(r.content) })))
        .onConflict(['event_id', 'created_at'])
        .ignore()
        .returning('*');
      return inserted.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
    });
  }

  async getByEventId(eventId: string): Promise<MessageRow | undefined> {
    return this.db<MessageRow>('messages').where({ event_id: eventId }).first();
  }

  /** Up to `limit` messages of a booking before a cursor, oldest first. */
  async history(bookingId: string, before: string | undefined, limit: number): Promise<MessageRow[]> {
    const query = this.db<MessageRow>('messages').where({ booking_id: bookingId });
    if (before !== undefined) query.andWhere('seq', '<', before);
    const rows = await query.orderBy('seq', 'desc').limit(limit);
    return rows.reverse();
  }

  async getInBooking(bookingId: string, eventId: string): Promise<MessageRow | undefined> {
    return this.db<MessageRow>('messages').where({ booking_id: bookingId, event_id: eventId }).first();
  }

  /** Messages of every booking of a user after a cursor, oldest first. */
  async since(userId: string, after: string, limit: number): Promise<MessageRow[]> {
    return this.db<MessageRow>('messages')
      .whereIn('booking_id', (q) =>
        q.select('booking_id').from('bookings').where('customer_id', userId).orWhere('artist_id', userId),
      )
      .andWhere('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(limit);
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
