// How far each member has read in each booking (a cursor), for receipts and unread counts.
import type { Database } from './database.ts';

export class ReadMarkersStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Moves the marker forward only; true when it moved. */
  async advance(bookingId: string, userId: string, seq: string): Promise<boolean> {
    const result = await this.db.raw(
      `INSERT INTO read_markers (booking_id, user_id, last_read_seq) VALUES (?, ?, ?)
       ON CONFLICT (booking_id, user_id) DO UPDATE
         SET last_read_seq = EXCLUDED.last_read_seq, updated_at = now()
         WHERE read_markers.last_read_seq < EXCLUDED.last_read_seq
       RETURNING 1`,
      [bookingId, userId, seq],
    );
    return result.rows.length > 0;
  }
}
