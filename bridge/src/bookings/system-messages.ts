// System messages from the booking system (booking.confirmed, booking.rescheduled, …): the bot
// posts them into the room as m.notice (Element shows a notice); apps get kind "system".
import { onHomeserver } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import type { StoredMessageWaiters } from '../messages/stored-message-waiters.ts';
import { CONTENT_SYSTEM } from '../messages/matrix-event.ts';
import { AppError } from '../protocol/errors.ts';
import type { SystemMessageRequest } from '../protocol/schemas.ts';
import type { Message } from '../protocol/types.ts';
import type { BookingsStore } from '../store/bookings-store.ts';

/** What Element shows when the booking system sends no text. */
const DEFAULT_TEXT: Record<string, string> = {
  'booking.confirmed': 'Booking confirmed',
  'booking.rescheduled': 'Booking rescheduled',
  'booking.cancelled': 'Booking cancelled',
  'booking.completed': 'Booking completed',
  'chat.closed': 'This chat is closed: it stays readable, but no new messages can be sent',
  'chat.reopened': 'This chat is open again',
};

export class SystemMessages {
  private readonly homeserver: Homeserver;
  private readonly bookings: BookingsStore;
  private readonly waiters: StoredMessageWaiters;

  constructor(homeserver: Homeserver, bookings: BookingsStore, waiters: StoredMessageWaiters) {
    this.homeserver = homeserver;
    this.bookings = bookings;
    this.waiters = waiters;
  }

  /** `key` makes a retried post the same message (the Idempotency-Key header). */
  async post(bookingId: string, request: SystemMessageRequest, key: string): Promise<Message> {
    const booking = await this.bookings.get(bookingId);
    if (!booking) throw new AppError('not_found', 'no such booking');
    const content = {
      msgtype: 'm.notice',
      body: request.text ?? DEFAULT_TEXT[request.type] ?? request.type,
      [CONTENT_SYSTEM]: { type: request.type, data: request.data ?? {} },
    };
    const eventId = await onHomeserver(() =>
      this.homeserver.sendIdempotent(this.homeserver.bot, booking.room_id, `system:${bookingId}:${key}`, 'm.room.message', content),
    );
    return this.waiters.stored({ eventId, roomId: booking.room_id });
  }
}
