// What the bridge holds about one user, read for their export (privacy/user-export.ts): small
// sections whole, their messages, edits and reactions a page at a time by cursor (the
// (sender_id, seq) index of migrations/011), so an export of 100,000 messages never holds them all.
import type { BookingRow } from './bookings-store.ts';
import type { Database } from './database.ts';
import type { MessageContent } from './rows.ts';
import { auditRow } from './safety-store.ts';

export interface ExportedMessageRow {
  seq: string;
  event_id: string;
  booking_id: string;
  kind: 'text' | 'image' | 'system';
  content: MessageContent;
  client_id: string | null;
  created_at: Date;
}

export interface ExportedEditRow {
  seq: string;
  edit_event_id: string;
  target_event_id: string;
  booking_id: string;
  text: string;
  created_at: Date;
}

export interface ExportedReactionRow {
  reaction_event_id: string;
  target_event_id: string;
  booking_id: string;
  key: string;
  created_at: Date;
  removed_at: Date | null;
}

export class ExportStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  async audit(userId: string): Promise<void> {
    await this.db('audit_log').insert(auditRow({ actor: 'booking-system', action: 'user.export', target: userId }));
  }

  async profile(userId: string) {
    return this.db('app_users').where({ user_id: userId }).first('user_id', 'matrix_user_id', 'name', 'created_at', 'updated_at');
  }

  async erasure(userId: string) {
    return this.db('erasures').where({ user_id: userId }).first('requested_at', 'account_state');
  }

  /** Bookings the user is in now, and those they wrote in before the booking system replaced them. */
  async bookings(userId: string) {
    const result = await this.db.raw(
      `SELECT b.booking_id, b.room_id, b.customer_id, b.artist_id, b.title, b.status, b.starts_at, b.created_at, b.updated_at
         FROM bookings b
        WHERE b.customer_id = ? OR b.artist_id = ?
           OR b.booking_id IN (SELECT DISTINCT booking_id FROM messages WHERE sender_id = ?)
        ORDER BY b.created_at, b.booking_id`,
      [userId, userId, userId],
    );
    return result.rows as Omit<BookingRow, 'closes_at'>[];
  }

  /** Up to `limit` of the user's messages after a cursor, oldest first. */
  async messagesAfter(userId: string, after: string, limit: number): Promise<ExportedMessageRow[]> {
    return this.db('messages')
      .where({ sender_id: userId })
      .andWhere('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .select('seq', 'event_id', 'booking_id', 'kind', 'content', 'client_id', 'created_at');
  }

  async editsAfter(userId: string, after: string, limit: number): Promise<ExportedEditRow[]> {
    return this.db('message_edits')
      .where({ sender_id: userId })
      .andWhere('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .select('seq', 'edit_event_id', 'target_event_id', 'booking_id', 'text', 'created_at');
  }

  async reactionsAfter(userId: string, afterEventId: string, limit: number): Promise<ExportedReactionRow[]> {
    return this.db('message_reactions')
      .where({ user_id: userId })
      .andWhere('reaction_event_id', '>', afterEventId)
      .orderBy('reaction_event_id')
      .limit(limit)
      .select('reaction_event_id', 'target_event_id', 'booking_id', 'key', 'created_at', 'removed_at');
  }

  /** Blocks the user made (blocks of the user by others are the others' data). */
  async blocksMade(userId: string) {
    return this.db('blocks').where({ blocker_id: userId }).orderBy('created_at').select('blocked_id', 'created_at');
  }

  /** Push devices, without their tokens, endpoints or keys. */
  async devices(userId: string) {
    return this.db('devices').where({ user_id: userId }).orderBy('created_at').select('id', 'kind', 'created_at', 'updated_at');
  }

  async mutes(userId: string) {
    return this.db('chat_mutes').where({ user_id: userId }).orderBy('booking_id').select('booking_id', 'until');
  }

  async readMarkers(userId: string) {
    return this.db('read_markers').where({ user_id: userId }).orderBy('booking_id').select('booking_id', 'last_read_seq', 'updated_at');
  }

  async reportsMade(userId: string) {
    return this.db('reports').where({ reporter_id: userId }).orderBy('id').select('id', 'booking_id', 'event_id', 'reason', 'created_at');
  }
}
