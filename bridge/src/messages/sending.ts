// message:send: an app user's text goes to Synapse through their intent, with the client's
// clientId as the Matrix transaction; the acknowledgement waits for the stored message.
import type { BookingAccess } from '../bookings/access.ts';
import { fromMatrixError } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import { AppError } from '../protocol/errors.ts';
import type { MessageSendRequest } from '../protocol/schemas.ts';
import type { Message } from '../protocol/types.ts';
import type { SendsStore } from '../store/sends-store.ts';
import type { Blocks } from '../safety/blocks.ts';
import type { RateLimiter } from '../safety/rate-limiter.ts';
import type { MessageArrivals } from './arrivals.ts';
import { membersOf } from './road.ts';
import { CONTENT_CLIENT_ID } from './matrix-event.ts';

export interface MessageSendingDeps {
  homeserver: Homeserver;
  access: BookingAccess;
  sends: SendsStore;
  arrivals: MessageArrivals;
  blocks: Blocks;
  limiter: RateLimiter;
  maxTextLength: number;
}

export class MessageSending {
  private readonly deps: MessageSendingDeps;

  constructor(deps: MessageSendingDeps) {
    this.deps = deps;
  }

  async sendText(userId: string, request: MessageSendRequest): Promise<Message> {
    const { access, sends, homeserver, blocks, limiter, maxTextLength } = this.deps;
    const text = request.text;
    if (text.trim() === '') throw new AppError('invalid', 'text is empty');
    if (text.length > maxTextLength) throw new AppError('too_large', `text is longer than ${maxTextLength} characters`);
    await limiter.consume('message', userId);
    const booking = await access.requireMember(userId, request.bookingId);
    await blocks.requireNotBlocked(userId, membersOf(booking).filter((member) => member !== userId));

    const previous = await sends.find(userId, request.clientId);
    if (previous && previous.booking_id !== request.bookingId) {
      throw new AppError('invalid', 'this clientId was already used for another booking');
    }
    let eventId = previous?.event_id;
    if (!eventId) {
      const content = { msgtype: 'm.text', body: text, [CONTENT_CLIENT_ID]: request.clientId };
      try {
        eventId = await homeserver.sendIdempotent(
          homeserver.intentFor(userId),
          booking.room_id,
          request.clientId,
          'm.room.message',
          content,
        );
      } catch (error) {
        throw fromMatrixError(error);
      }
      await sends.record(userId, request.clientId, request.bookingId, eventId);
    }
    return this.deps.arrivals.stored(eventId);
  }
}
