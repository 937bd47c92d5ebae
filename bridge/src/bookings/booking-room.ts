// What a booking's room holds besides its members: one definition for the rooms created for a
// booking and for those made ahead of it (room-pool.ts), which get the booking's part when a
// booking takes them (room-sync.ts).
import type { BookingRow } from '../store/bookings-store.ts';

/** The state event that says which booking a room is (for staff tools; the bridge reads its own row). */
export const BOOKING_STATE_EVENT = 'com.bookingchat.booking';

/** What every booking room is created with, whoever will take it. */
export const ROOM_BASE = {
  preset: 'private_chat',
  visibility: 'private',
  creation_content: { 'm.federate': false },
  // The bot creates the room, so it is its creator (all-powerful from room version 12 on).
  power_level_content_override: {
    // Members write and redact their own messages; only the bridge (and staff it promotes) moderates.
    state_default: 100,
    invite: 100,
    kick: 100,
    ban: 100,
    redact: 50,
  },
} as const;

/** The room's name in Element: the booking's title, or its id. */
export function roomNameOf(booking: Pick<BookingRow, 'booking_id' | 'title'>): string {
  return booking.title ?? `Booking ${booking.booking_id}`;
}

/** A room created for this booking: the base with the booking's name and state event. */
export function bookingRoomOptions(booking: Pick<BookingRow, 'booking_id' | 'title'>): Record<string, unknown> {
  return {
    ...ROOM_BASE,
    name: roomNameOf(booking),
    initial_state: [bookingStateEvent(booking.booking_id)],
  };
}

export function bookingStateEvent(bookingId: string): { type: string; state_key: string; content: { bookingId: string } } {
  return { type: BOOKING_STATE_EVENT, state_key: '', content: { bookingId } };
}
