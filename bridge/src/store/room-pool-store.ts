// Rooms made ahead of their bookings (migration 012, bookings/room-pool.ts).
import type { Knex } from 'knex';
import type { Database } from './database.ts';

export class RoomPoolStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  async size(): Promise<number> {
    const [row] = await this.db('room_pool').count<{ count: string }[]>('* AS count');
    return Number(row!.count);
  }

  async add(roomId: string): Promise<void> {
    await this.db('room_pool').insert({ room_id: roomId }).onConflict('room_id').ignore();
  }

  /**
   * Takes the oldest room out of the pool, within `trx` (the transaction that writes the booking
   * taking it: rolled back, the room is back). Undefined when the pool is empty; a room another
   * transaction is taking is skipped, not waited for.
   */
  async claim(trx: Knex.Transaction): Promise<string | undefined> {
    const { rows } = await trx.raw<{ rows: { room_id: string }[] }>(
      `DELETE FROM room_pool WHERE room_id = (
         SELECT room_id FROM room_pool ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING room_id`,
    );
    return rows[0]?.room_id;
  }
}
