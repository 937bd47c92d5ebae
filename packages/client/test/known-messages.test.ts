// How the client turns changes it hears as deltas into whole messages, on its own: reactions
// (the user's own counted once however often heard), replies' previews, and stale versions.
import { describe, expect, it } from 'vitest';
import { KnownMessages, withReaction, type ReactionChange } from '../src/known-messages.ts';
import type { Message } from '../src/index.ts';

const message = (id: string, extra: Partial<Message> = {}): Message => ({
  id,
  bookingId: 'b1',
  cursor: '1',
  sender: { id: 'ann', role: 'customer', name: 'Ann' },
  kind: 'text',
  text: `text of ${id}`,
  createdAt: '2026-01-01T10:00:00.000Z',
  reactions: [],
  ...extra,
});
const change = (key: string, on: boolean, mine: boolean, userId = mine ? 'ann' : 'bea'): ReactionChange => ({
  bookingId: 'b1',
  messageId: 'm1',
  userId,
  key,
  on,
  mine,
});

describe('reactions applied to a message', () => {
  it('count others up and down, and the own one once however often it is heard', () => {
    let reactions = withReaction([], change('👍', true, false));
    reactions = withReaction(reactions, change('👍', true, true));
    const heardTwice = withReaction(reactions, change('👍', true, true));
    expect(heardTwice).toBe(reactions);
    expect(reactions).toEqual([{ key: '👍', count: 2, mine: true }]);
    reactions = withReaction(reactions, change('👍', false, true));
    expect(withReaction(reactions, change('👍', false, true))).toBe(reactions);
    expect(reactions).toEqual([{ key: '👍', count: 1, mine: false }]);
    expect(withReaction(reactions, change('👍', false, false))).toEqual([]);
    expect(withReaction([], change('👍', false, false))).toEqual([]);
  });
});

describe('the known messages', () => {
  it('rebuild a reacted message, rewrite the previews of replies, and ignore an older edit', () => {
    const known = new KnownMessages(10);
    known.remember(message('m1'));
    known.remember(message('r1', { replyTo: { id: 'm1', sender: message('m1').sender, preview: 'text of m1' } }));
    expect(known.react(change('❤️', true, false))?.reactions).toEqual([{ key: '❤️', count: 1, mine: false }]);
    expect(known.react({ ...change('❤️', true, false), messageId: 'unknown' })).toBeUndefined();

    const edited = message('m1', {
      text: 'new text',
      editedAt: '2026-01-01T10:05:00.000Z',
      reactions: [{ key: '❤️', count: 1, mine: false }],
    });
    expect(known.update(edited)).toBe(edited);
    expect(known.update(edited)).toBeUndefined();
    expect(known.update(message('m1', { text: 'older', editedAt: '2026-01-01T10:01:00.000Z' }))).toBeUndefined();
    expect(known.repliesEdited(edited).map((m) => m.replyTo?.preview)).toEqual(['new text']);
    expect(known.deleted('m1').map((m) => m.replyTo?.preview)).toEqual([null]);
    expect(known.get('m1')).toBeUndefined();
  });

  it('forget the least recently touched past their bound', () => {
    const known = new KnownMessages(2);
    for (const id of ['a', 'b', 'c']) known.remember(message(id));
    expect(['a', 'b', 'c'].map((id) => known.get(id)?.id)).toEqual([undefined, 'b', 'c']);
  });
});
