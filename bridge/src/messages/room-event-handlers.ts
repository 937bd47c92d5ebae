// What each kind of room event becomes in the read model: one small handler per kind, looked up
// by the inbound pipeline (inbound-events.ts) for every event in a booking's room.
//
// The registry is keyed by the event's relation first, then by its type: a message is
// `m.room.message`, a redaction `m.room.redaction`, an edit an `m.room.message` whose
// `m.relates_to.rel_type` is `m.replace`, a reaction an `m.reaction` related by `m.annotation`.
// A reply is a message whose `m.relates_to` has `m.in_reply_to` (no relation type): the message
// handler reads it.
import type { BookingRow } from '../store/bookings-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { EventSenders } from './event-senders.ts';
import { editOf, eventToRow, mayShowInApps, reactionOf, replyTargetOf } from './event-to-row.ts';
import type { RoomEvent } from './matrix-event.ts';
import type { Entry } from './read-model-writer.ts';

/**
 * What a handler made of one event: an entry for the read model, nothing (apps do not show it),
 * or the error that sets it aside (dead letters). A failure to reach the database is thrown.
 */
export type Handled = { entry: Entry } | { ignored: true } | { setAside: unknown };

export interface RoomEventHandler {
  handle(event: RoomEvent, booking: BookingRow): Promise<Handled>;
}

/** Handlers by relation (`m.replace`, `m.annotation`) or by event type (`m.room.message`, …). */
export type RoomEventHandlers = Partial<Record<string, RoomEventHandler>>;

const IGNORED: Handled = { ignored: true };

export function redactedEventId(event: RoomEvent): string | undefined {
  if (event.type !== 'm.room.redaction') return undefined;
  // Room versions 11 and later carry the target in the content.
  const target = event.redacts ?? event.content.redacts;
  return typeof target === 'string' ? target : undefined;
}

/** The `rel_type` of the event's `m.relates_to` (an edit's `m.replace`, a reaction's `m.annotation`). */
export function relationOf(event: RoomEvent): string | undefined {
  const relatesTo = event.content['m.relates_to'];
  if (!relatesTo || typeof relatesTo !== 'object') return undefined;
  const { rel_type: relation } = relatesTo as { rel_type?: unknown };
  return typeof relation === 'string' ? relation : undefined;
}

/** The handler for this event: its relation's, when one is registered, else its type's. */
export function handlerFor(handlers: RoomEventHandlers, event: RoomEvent): RoomEventHandler | undefined {
  // Own keys only: an event type or relation named `constructor` or `__proto__` must find nothing,
  // not Object's own members (that would throw, and Synapse would retry the transaction for ever).
  const own = (key: string | undefined) => (key !== undefined && Object.hasOwn(handlers, key) ? handlers[key] : undefined);
  return own(relationOf(event)) ?? own(event.type);
}

/** A message (text, image, system): a new row, as apps show it; a reply names what it answers. */
export class MessageHandler implements RoomEventHandler {
  private readonly senders: EventSenders;
  private readonly messages: Pick<MessagesStore, 'getInBooking'>;

  constructor(senders: EventSenders, messages: Pick<MessagesStore, 'getInBooking'>) {
    this.senders = senders;
    this.messages = messages;
  }

  async handle(event: RoomEvent, booking: BookingRow): Promise<Handled> {
    if (!mayShowInApps(event)) return IGNORED;
    const sender = await this.senders.resolve(event.sender, booking);
    const repliedTo = replyTargetOf(event);
    // Only a message of the same booking that the read model holds: its sender is kept with the reply.
    const original = repliedTo === undefined ? undefined : await this.messages.getInBooking(booking.booking_id, repliedTo);
    let row;
    try {
      row = eventToRow(event, booking.booking_id, sender, original);
    } catch (error) {
      return { setAside: error };
    }
    return row ? { entry: { event, row } } : IGNORED;
  }
}

/** An edit (`m.replace`): stored when it names a text message of the same sender in this booking. */
export class EditHandler implements RoomEventHandler {
  private readonly senders: EventSenders;

  constructor(senders: EventSenders) {
    this.senders = senders;
  }

  async handle(event: RoomEvent, booking: BookingRow): Promise<Handled> {
    const edit = editOf(event);
    if (!edit) return IGNORED;
    const sender = await this.senders.resolve(event.sender, booking);
    return {
      entry: {
        event,
        edit: {
          edit_event_id: event.event_id,
          target_event_id: edit.targetEventId,
          booking_id: booking.booking_id,
          sender_mxid: event.sender,
          sender_id: sender.id,
          text: edit.text,
          created_at: new Date(event.origin_server_ts),
        },
      },
    };
  }
}

/** A reaction (`m.annotation`): stored when it names a message of this booking. */
export class ReactionHandler implements RoomEventHandler {
  private readonly senders: EventSenders;

  constructor(senders: EventSenders) {
    this.senders = senders;
  }

  async handle(event: RoomEvent, booking: BookingRow): Promise<Handled> {
    const reaction = reactionOf(event);
    if (!reaction) return IGNORED;
    const sender = await this.senders.resolve(event.sender, booking);
    return {
      entry: {
        event,
        reaction: {
          reaction_event_id: event.event_id,
          target_event_id: reaction.targetEventId,
          booking_id: booking.booking_id,
          user_id: sender.id,
          key: reaction.key,
          created_at: new Date(event.origin_server_ts),
        },
      },
    };
  }
}

/** A redaction (a deletion, staff in Element, an unreact): the message or reaction it names leaves the read model. */
export class RedactionHandler implements RoomEventHandler {
  async handle(event: RoomEvent, booking: BookingRow): Promise<Handled> {
    const redacted = redactedEventId(event);
    return redacted
      ? { entry: { event, deletion: { event_id: redacted, booking_id: booking.booking_id, redacted_by: event.sender } } }
      : IGNORED;
  }
}

export function roomEventHandlers(senders: EventSenders, messages: Pick<MessagesStore, 'getInBooking'>): RoomEventHandlers {
  return {
    'm.room.message': new MessageHandler(senders, messages),
    'm.room.redaction': new RedactionHandler(),
    'm.replace': new EditHandler(senders),
    'm.annotation': new ReactionHandler(senders),
  };
}
