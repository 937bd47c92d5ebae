// Who wrote an event, as apps see it: a member of the booking, the booking system (the bot),
// or support staff (any other Matrix user).
import type { MatrixIds } from '../matrix/ids.ts';
import type { Sender } from '../protocol/types.ts';
import type { BookingRow, MemberNames } from '../store/bookings-store.ts';
import type { UsersStore } from '../store/users-store.ts';

export const SYSTEM_SENDER: Sender = { id: 'system', role: 'system', name: 'Booking' };
export const SUPPORT_SENDER: Sender = { id: 'support', role: 'support', name: 'Support' };

export class EventSenders {
  private readonly ids: MatrixIds;
  private readonly users: UsersStore;

  constructor(ids: MatrixIds, users: UsersStore) {
    this.ids = ids;
    this.users = users;
  }

  /** With the members' names read beside the booking (`getByRoomsWithMembers`, or a send's own read: bookings-of-sends.ts), a member's message needs no lookup. */
  async resolve(matrixUserId: string, booking: BookingRow & Partial<MemberNames>): Promise<Sender> {
    if (matrixUserId === this.ids.botUserId) return SYSTEM_SENDER;
    const platformId = this.ids.platformIdOf(matrixUserId);
    if (platformId === undefined) return SUPPORT_SENDER;
    const role = platformId === booking.customer_id ? 'customer' : 'artist';
    const known =
      platformId === booking.customer_id ? booking.customer_name : platformId === booking.artist_id ? booking.artist_name : undefined;
    const name = known ?? (await this.users.get(platformId))?.name;
    return { id: platformId, role, name: name ?? platformId };
  }
}
