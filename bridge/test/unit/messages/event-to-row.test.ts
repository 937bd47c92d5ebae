import { describe, expect, it } from 'vitest';
import { eventToRow } from '../../../src/messages/event-to-row.ts';
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
