// Typing indicators both ways, on the one road: an app's `typing` goes to Synapse through the
// user's intent; Synapse pushes every room's typing set as an ephemeral m.typing event, and
// the changes reach the other members as `typing`.
import type { BookingAccess } from '../bookings/access.ts';
import type { BookingChats } from '../bookings/booking-chats.ts';
import { onHomeserver } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { Audience } from '../safety/audience.ts';
import type { BookingsStore } from '../store/bookings-store.ts';
import type { UserDelivery } from './user-delivery.ts';
import { isMember } from '../bookings/members.ts';
import { SUPPORT_SENDER } from './event-senders.ts';

/** How long an app's "typing" lasts on the homeserver unless renewed or stopped. */
const TYPING_TIMEOUT_MS = 20_000;

export class TypingIndicators {
  private readonly access: BookingAccess;
  private readonly bookings: BookingsStore;
  private readonly homeserver: Homeserver;
  private readonly delivery: UserDelivery;
  private readonly rooms: Pick<BookingChats, 'ready'>;
  private readonly audience: Audience;
  /**
   * The typing set last pushed for each room with someone typing (Synapse sends the whole set
   * each time). An empty set (typing stopped or timed out) removes the room, so this holds only
   * the rooms where someone types now.
   */
  private readonly current = new Map<string, Set<string>>();

  constructor(
    access: BookingAccess,
    rooms: Pick<BookingChats, 'ready'>,
    bookings: BookingsStore,
    homeserver: Homeserver,
    delivery: UserDelivery,
    audience: Audience,
  ) {
    this.access = access;
    this.rooms = rooms;
    this.bookings = bookings;
    this.homeserver = homeserver;
    this.delivery = delivery;
    this.audience = audience;
  }

  async set(userId: string, bookingId: string, typing: boolean): Promise<void> {
    const booking = await this.access.requireMember(userId, bookingId);
    // Typing into a new booking's chat before its members are in the room would be refused.
    await this.rooms.ready(booking);
    await onHomeserver(() => this.homeserver.intentFor(userId).matrixClient.setTyping(booking.room_id, typing, TYPING_TIMEOUT_MS));
  }

  async fromMatrix(roomId: string, typingMatrixIds: string[]): Promise<void> {
    const booking = await this.bookings.getByRoom(roomId);
    if (!booking) return;
    const before = this.current.get(roomId) ?? new Set<string>();
    const now = new Set(typingMatrixIds.filter((id) => id !== this.homeserver.ids.botUserId));
    if (now.size === 0) this.current.delete(roomId);
    else this.current.set(roomId, now);
    const changes = [
      ...[...now].filter((id) => !before.has(id)).map((id) => [id, true] as const),
      ...[...before].filter((id) => !now.has(id)).map((id) => [id, false] as const),
    ];
    for (const [matrixId, typing] of changes) {
      const appUser = this.homeserver.ids.platformIdOf(matrixId);
      // An app user the booking no longer has (the room not yet brought in line) shows nothing.
      if (appUser !== undefined && !isMember(booking, appUser)) continue;
      const userId = appUser ?? SUPPORT_SENDER.id;
      const others = (await this.audience.of(booking, userId)).filter((member) => member !== userId);
      this.delivery.emit(others, 'typing', { bookingId: booking.booking_id, userId, typing });
    }
  }
}
