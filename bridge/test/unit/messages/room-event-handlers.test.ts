import { describe, expect, it } from 'vitest';
import { handlerFor, RedactionHandler, type RoomEventHandler } from '../../../src/messages/room-event-handlers.ts';
import type { RoomEvent } from '../../../src/messages/matrix-event.ts';
import type { BookingRow } from '../../../src/store/bookings-store.ts';

const event = (type: string, content: Record<string, unknown> = {}): RoomEvent => ({
  event_id: '$e1',
  room_id: '!r:hs',
  sender: '@staff:hs',
  type,
  origin_server_ts: 1_700_000_000_000,
  content,
});
const booking = { booking_id: 'b1' } as BookingRow;
const handler = (): RoomEventHandler => ({ handle: async () => ({ ignored: true }) });

describe('which handler reads a room event', () => {
  const message = handler();
  const edit = handler();

  it('is the handler of its relation when one is registered, else of its type', () => {
    const handlers = { 'm.room.message': message, 'm.replace': edit };
    const relatesTo = (relation: string) => ({ body: '* hi', 'm.relates_to': { rel_type: relation, event_id: '$e0' } });
    expect(handlerFor(handlers, event('m.room.message', relatesTo('m.replace')))).toBe(edit);
    expect(handlerFor(handlers, event('m.room.message', relatesTo('m.thread')))).toBe(message);
    expect(handlerFor(handlers, event('m.room.message', { body: 'hi' }))).toBe(message);
    expect(handlerFor(handlers, event('m.reaction', { 'm.relates_to': { rel_type: 'm.annotation', key: '👍' } }))).toBeUndefined();
  });

  it('is none for a type or relation named after an object member (a hostile event must not throw)', () => {
    const handlers = { 'm.room.message': message };
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(handlerFor(handlers, event(name))).toBeUndefined();
      expect(handlerFor(handlers, event('m.room.message', { body: 'x', 'm.relates_to': { rel_type: name } }))).toBe(message);
    }
  });
});

describe('a redaction', () => {
  it('deletes the message it names, in the event or (room versions 11 and later) in its content', async () => {
    const redactions = new RedactionHandler();
    const older = { ...event('m.room.redaction'), redacts: '$gone' };
    const v11 = event('m.room.redaction', { redacts: '$gone' });
    for (const redaction of [older, v11]) {
      expect(await redactions.handle(redaction, booking)).toEqual({
        entry: { event: redaction, deletion: { event_id: '$gone', booking_id: 'b1', redacted_by: '@staff:hs' } },
      });
    }
  });

  it('without a target is ignored', async () => {
    expect(await new RedactionHandler().handle(event('m.room.redaction'), booking)).toEqual({ ignored: true });
  });
});
