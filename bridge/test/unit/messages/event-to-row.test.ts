import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { editOf, eventToRow, reactionOf, replyTargetOf } from '../../../src/messages/event-to-row.ts';
import { isStorable } from '../../../src/protocol/schemas.ts';
import { hostileString, hostileValue } from '../../support/hostile-values.ts';
import { SUPPORT_SENDER, SYSTEM_SENDER } from '../../../src/messages/event-senders.ts';

const base = {
  event_id: '$e1',
  room_id: '!r:hs',
  sender: '@app_ann:hs',
  type: 'm.room.message',
  origin_server_ts: 1_700_000_000_000,
};
const ann = { id: 'ann', role: 'customer' as const, name: 'Ann' };

describe('which Matrix events apps see', () => {
  it('shows text with its client id', () => {
    const row = eventToRow({ ...base, content: { msgtype: 'm.text', body: 'hi', 'com.bookingchat.client_id': 'c1' } }, 'b1', ann);
    expect(row).toMatchObject({ kind: 'text', content: { text: 'hi' }, client_id: 'c1', sender_role: 'customer' });
    expect(row?.created_at.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  it('shows notices and emotes from staff as text', () => {
    const row = eventToRow({ ...base, content: { msgtype: 'm.notice', body: 'note' } }, 'b1', SUPPORT_SENDER);
    expect(row).toMatchObject({ kind: 'text', sender_role: 'support', client_id: null });
  });

  it('shows system messages from the bot only', () => {
    const content = { msgtype: 'm.notice', body: 'Confirmed', 'com.bookingchat.system': { type: 'booking.confirmed', data: { a: 1 } } };
    expect(eventToRow({ ...base, content }, 'b1', SYSTEM_SENDER)).toMatchObject({
      kind: 'system',
      content: { system: { type: 'booking.confirmed', data: { a: 1 } } },
    });
    expect(eventToRow({ ...base, content }, 'b1', ann)?.kind).toBe('text');
  });

  it('ignores state, membership and malformed messages', () => {
    expect(eventToRow({ ...base, type: 'm.room.member', state_key: '@x:hs', content: { membership: 'join' } }, 'b1', ann)).toBeUndefined();
    expect(eventToRow({ ...base, content: { msgtype: 'm.text' } }, 'b1', ann)).toBeUndefined();
    expect(eventToRow({ ...base, content: { body: 'no msgtype' } }, 'b1', ann)).toBeUndefined();
  });
});

describe('edits, reactions and replies from Matrix', () => {
  const original = { event_id: '$o', sender_id: 'bea', sender_role: 'artist', sender_name: 'Bea' };

  it('reads an edit as its target and new text, a reaction as its target and key', () => {
    const edit = {
      ...base,
      content: {
        msgtype: 'm.text',
        body: '* new',
        'm.new_content': { msgtype: 'm.text', body: 'new' },
        'm.relates_to': { rel_type: 'm.replace', event_id: '$o' },
      },
    };
    expect(editOf(edit)).toEqual({ targetEventId: '$o', text: 'new' });
    const reaction = { ...base, type: 'm.reaction', content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$o', key: '👍' } } };
    expect(reactionOf(reaction)).toEqual({ targetEventId: '$o', key: '👍' });
  });

  it('drops the quoted fallback of a reply and keeps who wrote the original', () => {
    const content = {
      msgtype: 'm.text',
      body: '> <@bea:hs> hello\n> there\n\nhi back',
      'm.relates_to': { 'm.in_reply_to': { event_id: '$o' } },
    };
    expect(eventToRow({ ...base, content }, 'b1', ann, original)?.content).toEqual({
      text: 'hi back',
      replyTo: { eventId: '$o', senderId: 'bea', senderRole: 'artist', senderName: 'Bea' },
    });
    // Not a reply: a quote stays as the writer meant it.
    expect(eventToRow({ ...base, content: { msgtype: 'm.text', body: '> quoted\n\nme' } }, 'b1', ann)?.content.text).toBe('> quoted\n\nme');
  });

  // Mostly well-shaped relations carrying hostile strings, sometimes anything at all.
  const relations = fc.oneof(
    fc.record({
      rel_type: fc.oneof(fc.constantFrom('m.replace', 'm.annotation'), hostileValue()),
      event_id: fc.oneof(hostileString(), hostileValue()),
      key: fc.oneof(hostileString(), hostileValue()),
      'm.in_reply_to': fc.oneof(fc.record({ event_id: hostileString() }), hostileValue()),
    }),
    hostileValue(),
  );
  const newContents = fc.oneof(fc.record({ msgtype: fc.constantFrom('m.text', 'm.notice'), body: hostileString() }), hostileValue());

  it('never throws on hostile relations and contents, and keeps only storable strings', () => {
    fc.assert(
      fc.property(relations, newContents, fc.constantFrom('m.room.message', 'm.reaction'), (relation, newContent, type) => {
        const event = { ...base, type, content: { msgtype: 'm.text', body: 'x', 'm.relates_to': relation, 'm.new_content': newContent } };
        const edit = editOf(event as never);
        const reaction = reactionOf(event as never);
        for (const text of [edit?.text, edit?.targetEventId, reaction?.key, reaction?.targetEventId]) {
          if (text !== undefined) expect(isStorable(text)).toBe(true);
        }
        expect(() => replyTargetOf(event as never)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
