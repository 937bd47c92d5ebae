// What every send by an app user shares (text or image): the checks before it — membership,
// blocks (flood control is counted at the edges, before this) — and the exactly-once send:
// the same (sender, clientId) is the same Matrix transaction and, once recorded, the same
// message; the answer waits until the event has come back through the one road and been stored.
import { randomUUID } from 'node:crypto';
import type { BookingAccess } from '../bookings/access.ts';
import type { BookingChats } from '../bookings/booking-chats.ts';
import { onHomeserver } from '../matrix/errors.ts';
import type { Homeserver } from '../matrix/homeserver.ts';
import { AppError } from '../protocol/errors.ts';
import type { Message } from '../protocol/types.ts';
import type { Blocks } from '../safety/blocks.ts';
import type { Reports } from '../safety/reports.ts';
import type { Screened, TextScreening } from '../safety/text-screening.ts';
import type { BookingRow } from '../store/bookings-store.ts';
import type { SendsStore } from '../store/sends-store.ts';
import type { StoredMessageWaiters } from './stored-message-waiters.ts';
import { CONTENT_CLIENT_ID } from './matrix-event.ts';
import { assertOpen } from '../bookings/chat-closing.ts';

export interface SendPipelineDeps {
  homeserver: Homeserver;
  access: BookingAccess;
  /** A new booking's room gets its members just after the PUT: a send waits for that. */
  rooms: Pick<BookingChats, 'ready'>;
  sends: SendsStore;
  waiters: StoredMessageWaiters;
  blocks: Blocks;
  screening: TextScreening;
  reports: Reports;
}

export class SendPipeline {
  private readonly deps: SendPipelineDeps;

  constructor(deps: SendPipelineDeps) {
    this.deps = deps;
  }

  /** The booking, once `userId` may send into it now (one read: the booking and the blocks between its members). */
  async admit(userId: string, bookingId: string): Promise<BookingRow> {
    const booking = await this.deps.access.requireMemberWithBlocks(userId, bookingId);
    this.deps.blocks.requireNotBlocked(booking, userId);
    await this.deps.rooms.ready(booking);
    return booking;
  }

  /** The text as it may be sent (masked where the filter says), or `filtered`. */
  screen(userId: string, booking: BookingRow, text: string): Promise<Screened> {
    return this.deps.screening.screen(userId, booking.booking_id, text);
  }

  /**
   * Sends the m.room.message `content()` builds, once per (user, clientId); a repeat returns
   * the first message without building anything. Without a clientId every call is a new send.
   */
  async sendOnce(
    userId: string,
    booking: BookingRow,
    clientId: string | undefined,
    content: () => Promise<Record<string, unknown>>,
    flags: string[] = [],
  ): Promise<Message> {
    const { sends, homeserver, waiters } = this.deps;
    if (clientId) {
      const previous = await sends.find(userId, clientId);
      if (previous && previous.booking_id !== booking.booking_id) {
        throw new AppError('invalid', 'this clientId was already used for another booking');
      }
      if (previous) return waiters.stored(previous.event_id);
    }
    // After the retry check: a send the chat took before it closed still answers with its message.
    assertOpen(booking);
    const body = await content();
    const withClientId = clientId ? { ...body, [CONTENT_CLIENT_ID]: clientId } : body;
    const eventId = await onHomeserver(() =>
      homeserver.sendIdempotent(homeserver.intentFor(userId), booking.room_id, clientId ?? randomUUID(), 'm.room.message', withClientId),
    );
    if (clientId) await sends.record(userId, clientId, booking.booking_id, eventId);
    const message = await waiters.storedAfterSend(eventId);
    if (flags.length > 0) this.flag(booking, message, flags);
    return message;
  }

  /** The filter let a text through but wants a human to look: a report, off the sender's path. */
  flag(booking: BookingRow, message: Message, flags: string[]): void {
    void this.deps.reports.flag(booking, message, flags);
  }
}
