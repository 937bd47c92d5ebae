// Bookings and the Matrix room of each.
import type { Knex } from 'knex';
import type { Database } from './database.ts';
import { runStatement } from './prepared.ts';
import type { RoomPoolStore } from './room-pool-store.ts';

/** Rolls back a pooled room's claim when the booking turned out to be stored already. */
const TAKEN = Symbol('booking stored by another process');

/** The names the booking's members go by now (null for a user the bridge does not know). */
export interface MemberNames {
  customer_name: string | null;
  artist_name: string | null;
}

/**
 * The members who blocked the other member of the booking. Only members can be blocked (never
 * support or the booking system), so this is every block that matters inside the booking.
 */
export interface MemberBlocks {
  member_blockers: string[];
}

/** A booking as the storing of its events reads it: with its members' names and the blocks between them. */
export type BookingWithMembers = BookingRow & MemberNames & MemberBlocks;

/** The columns of a BookingWithMembers, selected FROM `BOOKINGS_WITH_MEMBERS`. */
export const WITH_MEMBERS_COLUMNS = `b.*, cu.name AS customer_name, ar.name AS artist_name,
  ARRAY(SELECT k.blocker_id FROM blocks k
    WHERE k.blocker_id IN (b.customer_id, b.artist_id) AND k.blocked_id IN (b.customer_id, b.artist_id)) AS member_blockers`;
/** `bookings b` with its members' rows (`cu`, `ar`), for `WITH_MEMBERS_COLUMNS`. */
export const BOOKINGS_WITH_MEMBERS = `bookings b
  LEFT JOIN app_users cu ON cu.user_id = b.customer_id
  LEFT JOIN app_users ar ON ar.user_id = b.artist_id`;

export interface BookingRow extends MatrixSyncState {
  booking_id: string;
  room_id: string;
  customer_id: string;
  artist_id: string;
  title: string | null;
  status: string | null;
  starts_at: Date | null;
  /** When the chat becomes read-only (bookings/chat-closing.ts); null while the booking is not over. */
  closes_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** `closes_at` left out: left as it is (a booking created without it is open). */
export type BookingFields = Pick<BookingRow, 'customer_id' | 'artist_id' | 'title' | 'status' | 'starts_at'> &
  Partial<Pick<BookingRow, 'closes_at'>>;

/**
 * How far the room reflects the row (migration 008): `matrix_version` counts the changes the
 * room must follow (members, title), `matrix_synced_version` the one it was last brought in line with.
 */
export interface MatrixSyncState {
  matrix_version: number;
  matrix_synced_version: number;
}

export class BookingsStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** On every message sent (the access check), without knex (prepared.ts). */
  async get(bookingId: string): Promise<BookingRow | undefined> {
    const [row] = await runStatement<BookingRow>(this.db, 'SELECT * FROM bookings WHERE booking_id = $1 LIMIT 1', [bookingId]);
    return row;
  }

  /** On every event Synapse pushes, without knex (prepared.ts). */
  async getByRoom(roomId: string): Promise<BookingRow | undefined> {
    const [row] = await runStatement<BookingRow>(this.db, 'SELECT * FROM bookings WHERE room_id = $1 LIMIT 1', [roomId]);
    return row;
  }

  /**
   * The bookings of these rooms with their members' names and the blocks between them, in the one
   * round trip every appservice transaction's events start with (who wrote each, and who must not
   * see it); a room of no booking is not in the map.
   */
  async getByRoomsWithMembers(roomIds: string[]): Promise<Map<string, BookingWithMembers>> {
    const rows = await runStatement<BookingWithMembers>(
      this.db,
      `SELECT ${WITH_MEMBERS_COLUMNS} FROM ${BOOKINGS_WITH_MEMBERS} WHERE b.room_id = ANY($1::text[])`,
      [roomIds],
    );
    return new Map(rows.map((row) => [row.room_id, row]));
  }

  /** Stored as not yet in line with its new room (the members still to join). Undefined when another process stored this booking first. */
  async insert(bookingId: string, roomId: string, fields: BookingFields, trx: Knex = this.db): Promise<BookingRow | undefined> {
    const [row] = await trx<BookingRow>('bookings')
      .insert({ booking_id: bookingId, room_id: roomId, ...fields, matrix_version: 1 })
      .onConflict('booking_id')
      .ignore()
      .returning('*');
    return row;
  }

  /**
   * Stored with a room taken from the pool in the same transaction: undefined when the pool is
   * empty, `taken` when another process stored this booking first (the room stays in the pool).
   */
  async insertWithPooledRoom(bookingId: string, fields: BookingFields, pool: RoomPoolStore): Promise<BookingRow | 'taken' | undefined> {
    try {
      return await this.db.transaction(async (trx) => {
        const roomId = await pool.claim(trx);
        if (!roomId) return undefined;
        const row = await this.insert(bookingId, roomId, fields, trx);
        if (!row) throw TAKEN;
        return row;
      });
    } catch (error) {
      if (error === TAKEN) return 'taken';
      throw error;
    }
  }

  /** `roomChanged`: the change is one the room must follow (members, title), so it is left to bring in line. */
  async update(bookingId: string, fields: BookingFields, roomChanged: boolean): Promise<BookingRow> {
    const [row] = await this.db<BookingRow>('bookings')
      .where({ booking_id: bookingId })
      .update({
        ...fields,
        ...(roomChanged ? { matrix_version: this.db.raw('matrix_version + 1') } : {}),
        // A reopened chat's next closing is a new one, to be announced again.
        ...(fields.closes_at === null ? { close_claimed_until: null, close_announced_at: null } : {}),
        updated_at: this.db.fn.now() as unknown as Date,
      })
      .returning('*');
    return row!;
  }

  /** False when the row changed again meanwhile (its room must be brought in line with that). */
  async markMatrixSynced(bookingId: string, version: number): Promise<boolean> {
    const updated = await this.db('bookings')
      .where({ booking_id: bookingId, matrix_version: version })
      .update({ matrix_synced_version: version });
    return updated > 0;
  }

  /** Bookings whose room was left half-way behind their row. */
  async matrixUnsynced(limit: number): Promise<string[]> {
    const rows = await this.db('bookings').whereRaw('matrix_synced_version <> matrix_version').limit(limit).pluck('booking_id');
    return rows as string[];
  }

  /**
   * Claims up to `limit` closings that are due and not yet announced, for `leaseMs` (another
   * process takes them over only once that ran out): each is claimed by one process at a time.
   * `bookingId` narrows it to that booking.
   */
  async claimDueClosings(now: Date, leaseMs: number, limit: number, bookingId?: string): Promise<BookingRow[]> {
    const result = await this.db.raw<{ rows: BookingRow[] }>(
      `UPDATE bookings SET close_claimed_until = :leaseEnd
        WHERE booking_id IN (
          SELECT booking_id FROM bookings
           WHERE closes_at <= :now AND close_announced_at IS NULL
             AND (close_claimed_until IS NULL OR close_claimed_until <= :now)
             AND (CAST(:bookingId AS text) IS NULL OR booking_id = CAST(:bookingId AS text))
           ORDER BY closes_at LIMIT :limit
           FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      { now, leaseEnd: new Date(now.getTime() + leaseMs), limit, bookingId: bookingId ?? null },
    );
    return result.rows;
  }

  /** The closing was announced; false when the booking was reopened (or closed anew) meanwhile. */
  async markCloseAnnounced(bookingId: string, closesAt: Date): Promise<boolean> {
    const updated = await this.db('bookings')
      .where({ booking_id: bookingId, closes_at: closesAt })
      .update({ close_announced_at: this.db.fn.now(), close_claimed_until: null });
    return updated > 0;
  }

  /**
   * When the next closing still to announce can be claimed (its time, or the end of another
   * process's claim on it): when the next sweep is due. In the past when one is due now.
   */
  async nextClosing(): Promise<Date | undefined> {
    const row = await this.db('bookings')
      .whereNull('close_announced_at')
      .whereNotNull('closes_at')
      .first<{ next: Date | null } | undefined>(this.db.raw('min(greatest(closes_at, close_claimed_until)) AS next'));
    return row?.next ?? undefined;
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
