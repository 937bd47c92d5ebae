// Who wrote an event, as apps see it: a member of the booking, the booking system (the bot),
// or support staff (any other Matrix user).
import type { MatrixIds } from '../matrix/ids.ts';
import type { Sender } from '../protocol/types.ts';
import type { BookingRow } from '../store/bookings-store.ts';
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

  async resolve(matrixUserId: string, booking: BookingRow): Promise<Sender> {
    if (matrixUserId === this.ids.botUserId) return SYSTEM_SENDER;
    const platformId = this.ids.platformIdOf(matrixUserId);
    if (platformId === undefined) return SUPPORT_SENDER;
    const role = platformId === booking.customer_id ? 'customer' : 'artist';
    const user = await this.users.get(platformId);
    return { id: platformId, role, name: user?.name ?? platformId };
  }
}
