// Who may see and write in which booking's chat: its customer and its artist.
import { AppError } from '../protocol/errors.ts';
import { isMember } from './members.ts';
import type { BookingRow, BookingsStore } from '../store/bookings-store.ts';

export class BookingAccess {
  private readonly bookings: BookingsStore;

  constructor(bookings: BookingsStore) {
    this.bookings = bookings;
  }

  async requireMember(userId: string, bookingId: string): Promise<BookingRow> {
    return this.check(userId, await this.bookings.get(bookingId));
  }

  /** For a booking read along with something else in one statement (history with its page, a send with its blocks and previous send). */
  check<Row extends BookingRow>(userId: string, booking: Row | undefined): Row {
    if (!booking) throw new AppError('not_found', 'no such booking');
    if (!isMember(booking, userId)) {
      throw new AppError('forbidden', 'not a member of this booking');
    }
    return booking;
  }
}
