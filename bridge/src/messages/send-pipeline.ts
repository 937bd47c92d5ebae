// What every send by an app user shares (text or image): the checks before it — membership,
// blocks (flood control is counted at the edges, before this) — and the exactly-once send:
// the same (sender, clientId) is the same Matrix transaction and, once stored, the same
// message; the answer waits until the event has come back through the one road and been stored.
//
// Exactly once: a (sender, clientId) is recorded in `sent_messages` by the transaction that
// stores its message (store/sends-store.ts recordSendsOf), and read with the booking in admit's
// one read; a retry that finds the record answers that message. A retry that arrives before the
// first send was stored finds none and sends again: the same Matrix transaction id
// (homeserver.sendIdempotent derives it from the user and the clientId), so Synapse answers with
// the same event id, and it waits for that event like the first send. Synapse keeps transaction
// ids in memory only (half an hour or more), so a send whose event is not stored within
// RECORD_LATE_SEND_MS (Synapse slow, or gone after answering) records itself: a retry after a
// Synapse restart then finds the record instead of making a second message.
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
import type { BookingForSend, SendsStore } from '../store/sends-store.ts';
import type { SentEvent, StoredMessageWaiters } from './stored-message-waiters.ts';
import type { BookingsOfSends } from './bookings-of-sends.ts';
import { CONTENT_CLIENT_ID } from './matrix-event.ts';
import { assertOpen } from '../bookings/chat-closing.ts';

/** Most sends are stored sooner, and spare the round trip of recording themselves. */
const RECORD_LATE_SEND_MS = 1_000;

export interface SendPipelineDeps {
  homeserver: Homeserver;
  access: BookingAccess;
  /** A new booking's room gets its members just after the PUT: a send waits for that. */
  rooms: Pick<BookingChats, 'ready'>;
  sends: SendsStore;
  waiters: StoredMessageWaiters;
  /** Where a send lends its booking to the storing of its own event. */
  lent: BookingsOfSends;
  blocks: Blocks;
  screening: TextScreening;
  reports: Reports;
}

export class SendPipeline {
  private readonly deps: SendPipelineDeps;

  constructor(deps: SendPipelineDeps) {
    this.deps = deps;
  }

  /**
   * The booking, once `userId` may send into it now, with what `clientId` was first sent as (one
   * read: the booking, the blocks between its members and the sender's previous send).
   */
  async admit(userId: string, bookingId: string, clientId?: string): Promise<BookingForSend> {
    const booking = this.deps.access.check(userId, await this.deps.sends.bookingForSend(bookingId, userId, clientId));
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
   * `booking` is as `admit` read it with this clientId.
   */
  async sendOnce(
    userId: string,
    booking: BookingForSend,
    clientId: string | undefined,
    content: () => Promise<Record<string, unknown>>,
    flags: string[] = [],
  ): Promise<Message> {
    const { homeserver, waiters } = this.deps;
    if (clientId) {
      const previous = booking.previous_send;
      if (previous && previous.booking_id !== booking.booking_id) {
        throw new AppError('invalid', 'this clientId was already used for another booking');
      }
      if (previous) return waiters.stored({ eventId: previous.event_id, roomId: booking.room_id });
    }
    // After the retry check: a send the chat took before it closed still answers with its message.
    assertOpen(booking);
    const body = await content();
    const withClientId = clientId ? { ...body, [CONTENT_CLIENT_ID]: clientId } : body;
    const release = this.deps.lent.lend(booking);
    try {
      const eventId = await onHomeserver(() =>
        homeserver.sendIdempotent(homeserver.intentFor(userId), booking.room_id, clientId ?? randomUUID(), 'm.room.message', withClientId),
      );
      const sent = { eventId, roomId: booking.room_id };
      const message = clientId ? await this.storedOrRecorded(userId, booking, clientId, sent) : await waiters.storedAfterSend(sent);
      if (flags.length > 0) this.flag(booking, message, flags);
      return message;
    } finally {
      release();
    }
  }

  /** The message of a send just made, once stored; recorded meanwhile should that take long (see the top). */
  private async storedOrRecorded(userId: string, booking: BookingRow, clientId: string, sent: SentEvent): Promise<Message> {
    // Best effort: the storing transaction records it too, whenever it comes.
    const record = () => void this.deps.sends.record(userId, clientId, booking.booking_id, sent.eventId).catch(() => undefined);
    const late = setTimeout(record, RECORD_LATE_SEND_MS).unref();
    try {
      return await this.deps.waiters.storedAfterSend(sent);
    } finally {
      clearTimeout(late);
    }
  }

  /** The filter let a text through but wants a human to look: a report, off the sender's path. */
  flag(booking: BookingRow, message: Message, flags: string[]): void {
    void this.deps.reports.flag(booking, message, flags);
  }
}
