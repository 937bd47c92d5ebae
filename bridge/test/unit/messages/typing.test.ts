// Typing indicators from Synapse's typing sets: members hear each change, and a room is
// forgotten once nobody in it types (the bridge's memory follows the rooms typing now).
import { describe, expect, it } from 'vitest';
import { MatrixIds } from '../../../src/matrix/ids.ts';
import { TypingIndicators } from '../../../src/messages/typing.ts';
import type { BookingRow } from '../../../src/store/bookings-store.ts';

const ids = new MatrixIds('test.local', 'bridge');
const booking = { booking_id: 'b1', room_id: '!r1:test.local', customer_id: 'ann', artist_id: 'bea' } as BookingRow;

function indicators() {
  const emitted: { to: string[]; payload: unknown }[] = [];
  const typing = new TypingIndicators(
    {} as never,
    {} as never,
    { getByRoom: async (roomId: string) => (roomId === booking.room_id ? booking : undefined) } as never,
    { ids } as never,
    { emit: (to: string[], _event: string, payload: unknown) => emitted.push({ to, payload }) } as never,
    { of: async (row: BookingRow) => [row.customer_id, row.artist_id] } as never,
  );
  return { typing, emitted, rooms: () => typing['current'].size };
}

describe('typing from Synapse', () => {
  it('tells the other member of each change and forgets the room once nobody types', async () => {
    const { typing, emitted, rooms } = indicators();
    await typing.fromMatrix(booking.room_id, [ids.appUser('ann')]);
    expect(rooms()).toBe(1);
    await typing.fromMatrix(booking.room_id, []);
    expect(emitted).toEqual([
      { to: ['bea'], payload: { bookingId: 'b1', userId: 'ann', typing: true } },
      { to: ['bea'], payload: { bookingId: 'b1', userId: 'ann', typing: false } },
    ]);
    expect(rooms()).toBe(0);
  });

  it('keeps a room while someone still types, and after the room forgot, a new start is news again', async () => {
    const { typing, emitted, rooms } = indicators();
    await typing.fromMatrix(booking.room_id, [ids.appUser('ann'), ids.appUser('bea')]);
    await typing.fromMatrix(booking.room_id, [ids.appUser('bea')]);
    expect(rooms()).toBe(1);
    await typing.fromMatrix(booking.room_id, []);
    await typing.fromMatrix(booking.room_id, [ids.appUser('ann')]);
    expect(emitted.map((e) => e.payload)).toEqual([
      { bookingId: 'b1', userId: 'ann', typing: true },
      { bookingId: 'b1', userId: 'bea', typing: true },
      { bookingId: 'b1', userId: 'ann', typing: false },
      { bookingId: 'b1', userId: 'bea', typing: false },
      { bookingId: 'b1', userId: 'ann', typing: true },
    ]);
  });
});
