// Bookings and the Matrix room of each.
import type { Database } from './database.ts';

export interface BookingRow {
  booking_id: string;
  room_id: string;
  customer_id: string;
  artist_id: string;
  title: string | null;
  status: string | null;
  starts_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type BookingFields = Pick<BookingRow, 'customer_id' | 'artist_id' | 'title' | 'status' | 'starts_at'>;

export class BookingsStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  async get(bookingId: string): Promise<BookingRow | undefined> {
    return this.db<BookingRow>('bookings').where({ booking_id: bookingId }).first();
  }

  async getByRoom(roomId: string): Promise<BookingRow | undefined> {
    return this.db<BookingRow>('bookings').where({ room_id: roomId }).first();
  }

  /** Returns undefined when another process stored this booking first. */
  async insert(bookingId: string, roomId: string, fields: BookingFields): Promise<BookingRow | undefined> {
    const [row] = await this.db<BookingRow>('bookings')
      .insert({ booking_id: bookingId, room_id: roomId, ...fields })
      .onConflict('booking_id')
      .ignore()
      .returning('*');
    return row;
  }

  async update(bookingId: string, fields: BookingFields): Promise<BookingRow> {
    const [row] = await this.db<BookingRow>('bookings')
      .where({ booking_id: bookingId })
      .update({ ...fields, updated_at: this.db.fn.now() as unknown as Date })
      .returning('*');
    return row!;
  }

  async listForUser(userId: string): Promise<BookingRow[]> {
    return this.db<BookingRow>('bookings').where('customer_id', userId).orWhere('artist_id', userId);
  }

  /** Whether the two are the customer and the artist of at least one booking. */
  async shareABooking(a: string, b: string): Promise<boolean> {
    const row = await this.db('bookings')
      .where((q) => q.where({ customer_id: a, artist_id: b }).orWhere({ customer_id: b, artist_id: a }))
      .first('booking_id');
    return row !== undefined;
  }
}
