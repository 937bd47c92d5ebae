// Read receipts: `message:read` from apps and m.receipt from Matrix (Element) move a member's
// read marker forward; members are told with `receipt`, and unread counts follow the marker.
import type { BookingAccess } from '../bookings/access.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { Logger } from '../observability/logger.ts';
import type { Audience } from '../safety/audience.ts';
import { AppError } from '../protocol/errors.ts';
import type { BookingRow, BookingsStore } from '../store/bookings-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { MessageRow } from '../store/rows.ts';
import type { ReadMarkersStore } from '../store/read-markers-store.ts';
import type { UserDelivery } from './user-delivery.ts';
import { isMember, membersOf } from '../bookings/members.ts';
import { SUPPORT_SENDER } from './event-senders.ts';

export interface ReceiptsDeps {
  access: BookingAccess;
  bookings: BookingsStore;
  messages: MessagesStore;
  markers: ReadMarkersStore;
  homeserver: Homeserver;
  delivery: UserDelivery;
  audience: Audience;
  logger: Logger;
}

export class Receipts {
  private readonly deps: ReceiptsDeps;

  constructor(deps: ReceiptsDeps) {
    this.deps = deps;
  }

  async markRead(userId: string, bookingId: string, messageId: string): Promise<void> {
    const { access, messages, homeserver, logger } = this.deps;
    const booking = await access.requireMember(userId, bookingId);
    const message = await messages.getInBooking(bookingId, messageId);
    if (!message) throw new AppError('not_found', 'no such message in this booking');
    await this.advance(booking, userId, message);
    // Element shows where the app user has read to; the echo of this receipt changes nothing.
    await homeserver
      .intentFor(userId)
      .sendReadReceipt(booking.room_id, messageId)
      .catch((err: unknown) => logger.warn({ err, bookingId }, 'Matrix read receipt not sent'));
  }

  /** An m.read receipt pushed by Synapse. */
  async fromMatrix(roomId: string, eventId: string, matrixUserId: string): Promise<void> {
    const { bookings, messages, homeserver, delivery } = this.deps;
    if (matrixUserId === homeserver.ids.botUserId) return;
    const booking = await bookings.getByRoom(roomId);
    if (!booking) return;
    const platformId = homeserver.ids.platformIdOf(matrixUserId);
    if (platformId === undefined) {
      delivery.emit(membersOf(booking), 'receipt', { bookingId: booking.booking_id, userId: SUPPORT_SENDER.id, messageId: eventId });
      return;
    }
    if (!isMember(booking, platformId)) return;
    const message = await messages.getInBooking(booking.booking_id, eventId);
    if (message) await this.advance(booking, platformId, message);
  }

  private async advance(booking: BookingRow, userId: string, message: MessageRow): Promise<void> {
    const moved = await this.deps.markers.advance(booking.booking_id, userId, message.seq);
    if (!moved) return;
    this.deps.delivery.emit(await this.deps.audience.of(booking, userId), 'receipt', {
      bookingId: booking.booking_id,
      userId,
      messageId: message.event_id,
    });
  }
}
