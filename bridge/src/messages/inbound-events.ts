// The one road every room event takes, whoever wrote it: Synapse pushes it in a
// transaction → stored in the read model (idempotent), with its follow-ups in the outbox →
// Synapse answered → the follow-ups: emitted to members, pushes queued (follow-ups.ts).
// Each event is read by the handler for its kind (room-event-handlers.ts): a message becomes a
// row, a redaction a deletion (members get message:deleted), an edit or a reaction a change of a
// message (members get message:edited or reaction).
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { BookingRow, BookingsStore } from '../store/bookings-store.ts';
import type { BookingsOfSends } from './bookings-of-sends.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import { membersOf } from '../bookings/members.ts';
import type { Audience } from '../safety/audience.ts';
import type { Entry, ReadModelWriter } from './read-model-writer.ts';
import { storableText } from './storable-strings.ts';
import type { FollowUps } from './follow-ups.ts';
import type { RoomEvent } from './matrix-event.ts';
import type { EventSenders } from './event-senders.ts';
import type { StoredChanges } from './stored-changes.ts';
import { handlerFor, roomEventHandlers, type Handled, type RoomEventHandlers } from './room-event-handlers.ts';

export interface InboundEventsDeps {
  bookings: BookingsStore;
  /** The bookings that sends in flight on this process read: their rooms' events need no read. */
  lent: BookingsOfSends;
  /** Looks up the messages that replies name. */
  messages: Pick<MessagesStore, 'getInBooking'>;
  /** Writes to the read model, setting aside events it refuses (dead letters). */
  writer: ReadModelWriter;
  audience: Audience;
  senders: EventSenders;
  followUps: FollowUps;
  metrics: Metrics;
  logger: Logger;
}

export class InboundEvents {
  private readonly deps: InboundEventsDeps;
  private readonly handlers: RoomEventHandlers;

  constructor(deps: InboundEventsDeps) {
    this.deps = deps;
    this.handlers = roomEventHandlers(deps.senders, deps.messages);
  }

  /**
   * Stores what apps see of these events; returns only what changed, in cursor order. An event
   * that cannot be stored is set aside (dead letters), never thrown: only a failure to reach the
   * database is, so that the caller retries. `txnId` names the transaction they came in.
   */
  async store(events: RoomEvent[], txnId?: string): Promise<StoredChanges> {
    const { writer, metrics } = this.deps;
    const bookingByRoom = await this.bookingsOf(events);
    const bookingById = new Map<string, BookingRow>();
    const entries: Entry[] = [];
    const unconvertible: { event: RoomEvent; error: unknown }[] = [];
    for (const event of events) {
      const booking = bookingByRoom.get(event.room_id);
      if (booking) bookingById.set(booking.booking_id, booking);
      // Apps show only events of booking rooms, and only the kinds a handler reads.
      const handler = booking && handlerFor(this.handlers, event);
      const handled: Handled = booking && handler ? await handler.handle(event, booking) : { ignored: true };
      if ('setAside' in handled) {
        unconvertible.push({ event, error: handled.setAside });
        continue;
      }
      if ('entry' in handled) entries.push(handled.entry);
      metrics.transactionEvents.inc({ result: resultOf(handled) });
    }
    const { inserted, deleted, edits, reactions } = await writer.write(entries, txnId);
    for (const { event, error } of unconvertible) await writer.setAside(event, error, txnId);
    metrics.transactionEvents.inc({ result: 'duplicate' }, entries.filter((entry) => 'row' in entry).length - inserted.length);
    const bookingOf = (bookingId: string) => bookingById.get(bookingId)!;
    return {
      messages: await Promise.all(
        inserted.map(async (row) => ({
          row,
          recipients: await this.deps.audience.of(bookingOf(row.booking_id), row.sender_id),
        })),
      ),
      deletions: deleted.map((d) => ({ bookingId: d.booking_id, messageId: d.event_id, recipients: membersOf(bookingOf(d.booking_id)) })),
      edits: await Promise.all(
        edits.map(async (edit) => ({ edit, recipients: await this.deps.audience.of(bookingOf(edit.booking_id), edit.sender_id) })),
      ),
      reactions: await Promise.all(
        reactions.map(async (reaction) => ({
          reaction,
          recipients: await this.deps.audience.of(bookingOf(reaction.booking_id), reaction.user_id),
        })),
      ),
    };
  }

  /**
   * The booking of each room of these events: lent by a send in flight here, or all the others in
   * one read (under load Synapse sends many events at once). A room id PostgreSQL cannot hold is
   * no booking's, and must not fail the read of the others.
   */
  private async bookingsOf(events: RoomEvent[]): Promise<Map<string, BookingRow>> {
    const found = new Map<string, BookingRow>();
    const unread: string[] = [];
    for (const roomId of new Set(events.map((event) => event.room_id))) {
      const lent = this.deps.lent.get(roomId);
      if (lent) found.set(roomId, lent);
      else if (storableText(roomId) === roomId) unread.push(roomId);
    }
    if (unread.length) for (const [roomId, booking] of await this.deps.bookings.getByRoomsWithMembers(unread)) found.set(roomId, booking);
    return found;
  }

  /** Runs the follow-ups of what was stored; one that fails stays in the outbox for the drainer. */
  deliver({ messages, deletions, edits, reactions }: StoredChanges): void {
    const { followUps, logger } = this.deps;
    const leftToDrainer = (err: unknown) => logger.warn({ err }, 'follow-up failed: left to the outbox drainer');
    for (const stored of messages) followUps.message(stored).catch(leftToDrainer);
    for (const deletion of deletions) followUps.deletion(deletion).catch(leftToDrainer);
    for (const edit of edits) followUps.edit(edit).catch(leftToDrainer);
    for (const reaction of reactions) followUps.reaction(reaction).catch(leftToDrainer);
  }
}

/** The metric's name for what became of an event. */
function resultOf(handled: { entry: Entry } | { ignored: true }): 'message' | 'redaction' | 'edit' | 'reaction' | 'ignored' {
  if (!('entry' in handled)) return 'ignored';
  const { entry } = handled;
  if ('row' in entry) return 'message';
  if ('edit' in entry) return 'edit';
  return 'reaction' in entry ? 'reaction' : 'redaction';
}
