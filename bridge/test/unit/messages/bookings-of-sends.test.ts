import { describe, expect, it } from 'vitest';
import { BookingsOfSends, MAX_LENT_AGE_MS } from '../../../src/messages/bookings-of-sends.ts';
import type { BookingWithMembers } from '../../../src/store/bookings-store.ts';

const read = (roomId: string, title: string) => ({ booking_id: 'b', room_id: roomId, title }) as BookingWithMembers;

describe('the bookings sends lend to the storing of their events', () => {
  it('are lent while a send in the room is in flight, the newest read of two, until the last ends', () => {
    const lent = new BookingsOfSends();
    expect(lent.get('!r')).toBeUndefined();
    const first = lent.lend(read('!r', 'old'));
    const second = lent.lend(read('!r', 'new'));
    expect(lent.get('!r')?.title).toBe('new');
    expect(lent.get('!other')).toBeUndefined();
    first();
    expect(lent.get('!r')?.title).toBe('new');
    second();
    expect(lent.get('!r')).toBeUndefined();
  });

  it('count a send released twice once', () => {
    const lent = new BookingsOfSends();
    const first = lent.lend(read('!r', 'a'));
    const second = lent.lend(read('!r', 'b'));
    first();
    first();
    expect(lent.get('!r')).toBeDefined();
    second();
    expect(lent.get('!r')).toBeUndefined();
  });

  it('are not lent once older than the limit, however long the send waits, until a newer read', () => {
    let now = 0;
    const lent = new BookingsOfSends(() => now);
    lent.lend(read('!r', 'old'));
    now = MAX_LENT_AGE_MS;
    expect(lent.get('!r')?.title).toBe('old');
    now = MAX_LENT_AGE_MS + 1;
    expect(lent.get('!r')).toBeUndefined();
    lent.lend(read('!r', 'new'));
    expect(lent.get('!r')?.title).toBe('new');
  });
});
