// message:send: an app user's text goes to Synapse through their intent, with the client's
// clientId as the Matrix transaction; the acknowledgement waits for the stored message.
import type { BookingAccess } from '../bookings/access.ts';
import { fromMatrixError } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import { AppError } from '../protocol/errors.ts';
import type { MessageSendRequest } from '../protocol/schemas.ts';
import type { Message } from '../protocol/types.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { SendsStore } from '../store/sends-store.ts';
import type { MessageArrivals } from './arrivals.ts';
import { CONTENT_CLIENT_ID } from './matrix-event.ts';
import { rowToMessage } from './row-to-message.ts';

/** How long a send waits for its event to come back from Synapse before answering `unavailable`. */
const STORE_WAIT_MS = 15_000;

export interface MessageSendingDeps {
  homeserver: Homeserver;
  access: BookingAccess;
  messages: MessagesStore;
  sends: SendsStore;
  arrivals: MessageArrivals;
  maxTextLength: number;
}

export class MessageSending {
  private readonly deps: MessageSendingDeps;

  constructor(deps: MessageSendingDeps) {
    this.deps = deps;
  }

  async sendText(userId: string, request: MessageSendRequest): Promise<Message> {
    const { access, sends, homeserver, maxTextLength } = this.deps;
    const text = request.text;
    if (text.trim() === '') throw new AppError('invalid', 'text is empty');
    if (text.length > maxTextLength) throw new AppError('too_large', `text is longer than ${maxTextLength} characters`);
    const booking = await access.requireMember(userId, request.bookingId);

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
    return this.storedMessage(eventId);
  }

  /** The message as the read model holds it, once the transaction carrying it has been stored. */
  private async storedMessage(eventId: string): Promise<Message> {
    const { arrivals, messages } = this.deps;
    const wait = arrivals.waitFor(eventId, STORE_WAIT_MS);
    const stored = await messages.getByEventId(eventId);
    if (stored) {
      wait.cancel();
      return rowToMessage(stored);
    }
    const arrived = await wait.promise;
    if (arrived) return arrived;
    const late = await messages.getByEventId(eventId);
    if (late) return rowToMessage(late);
    throw new AppError('unavailable', 'sent, but not confirmed yet: retry with the same clientId', 1);
  }
}
