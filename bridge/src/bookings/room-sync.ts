// Brings a booking's room in line with its row. The row is the truth: who may read and write
// follows it the moment it is written (every check and every live emit reads it). The room then
// follows, step by step, each step safe to repeat, so a sync cut short (Synapse refused a step,
// the process died) is finished by running it again: by the next PUT of the booking, or by the
// pass over rows left behind that every process runs at start-up and when Synapse comes back.
import { onHomeserver } from '../matrix/errors.ts';
import type { MatrixIds } from '../matrix/ids.ts';
import type { RoomAdmin } from '../matrix/room-admin.ts';
import { membersOf } from './members.ts';
import { bookingStateEvent, roomNameOf } from './booking-room.ts';
import { AppError } from '../protocol/errors.ts';
import type { BookingRow, BookingsStore } from '../store/bookings-store.ts';

/**
 * A pass that finds the row changed meanwhile (another process wrote it) runs again: its steps
 * may have undone the other's. The other process syncs too, so this only bounds a storm.
 */
const MAX_PASSES = 5;

export class RoomSync {
  private readonly bookings: BookingsStore;
  private readonly admin: RoomAdmin;
  private readonly ids: MatrixIds;

  constructor(bookings: BookingsStore, admin: RoomAdmin, ids: MatrixIds) {
    this.bookings = bookings;
    this.admin = admin;
    this.ids = ids;
  }

  /** The row the room now reflects, and whether the room had to be changed (it was behind). */
  async bringInLine(bookingId: string): Promise<{ booking: BookingRow; wasBehind: boolean }> {
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      const booking = await this.bookings.get(bookingId);
      if (!booking) throw new AppError('not_found', 'no such booking');
      if (pass === 1 && booking.matrix_synced_version === booking.matrix_version) return { booking, wasBehind: false };
      await onHomeserver(() => this.apply(booking));
      if (await this.bookings.markMatrixSynced(bookingId, booking.matrix_version)) return { booking, wasBehind: true };
    }
    throw new AppError('unavailable', 'the booking kept changing while its chat was updated; retry', 1);
  }

  /**
   * The members joined (invited first where needed), every other app user out, the title as the
   * name. A room from the pool (room-pool.ts) has no name until its first sync names it, last:
   * until then it also lacks the booking's state event, which that sync writes first.
   */
  private async apply(booking: BookingRow): Promise<void> {
    const { admin, ids } = this;
    const room = booking.room_id;
    const name = await admin.name(room);
    if (name === undefined) await admin.setState(room, bookingStateEvent(booking.booking_id));
    const members = membersOf(booking);
    const memberships = await admin.memberships(room);
    for (const member of members) {
      const membership = memberships.get(ids.appUser(member));
      if (membership === 'join') continue;
      if (membership !== 'invite') await admin.invite(room, ids.appUser(member));
      await admin.join(member, room);
    }
    const wanted = new Set(members.map((member) => ids.appUser(member)));
    for (const [matrixId, membership] of memberships) {
      // Staff and the bot are not app users: they stay.
      const present = membership === 'join' || membership === 'invite';
      if (present && !wanted.has(matrixId) && ids.platformIdOf(matrixId) !== undefined) {
        await admin.kick(room, matrixId, 'no longer on this booking');
      }
    }
    if (name !== roomNameOf(booking)) await admin.setName(room, roomNameOf(booking));
  }
}
