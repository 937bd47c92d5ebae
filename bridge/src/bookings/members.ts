// Who is in a booking's chat: its customer and its artist, as the `bookings` row says at this moment
// (docs/architecture.md, "Membership"). Every membership check and every live emit asks here.
// SQL cannot call this, so the statements that need it spell the same rule out: store/messages-store.ts
// (the history read's `$1 IN (b.customer_id, b.artist_id)`, catch-up's bookings of the viewer) and
// store/bookings-store.ts (listForUser, shareABooking). Change them together.
import type { BookingRow } from '../store/bookings-store.ts';

type Membership = Pick<BookingRow, 'customer_id' | 'artist_id'>;

export function membersOf(booking: Membership): string[] {
  return [booking.customer_id, booking.artist_id];
}

export function isMember(booking: Membership, userId: string): boolean {
  return membersOf(booking).includes(userId);
}
