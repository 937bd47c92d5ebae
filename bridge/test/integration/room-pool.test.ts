// Rooms made ahead of their bookings (bookings/room-pool.ts): a new booking's PUT takes a ready
// room and answers without waiting for Synapse to create one; the room gets its name, its
// booking's state event and its members right after, a send waits for them (also when Synapse
// refused them the first time), and the pool is topped up again.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BOOKING_STATE_EVENT } from '../../src/bookings/booking-room.ts';
import { BookingsStore } from '../../src/store/bookings-store.ts';
import { RoomPoolStore } from '../../src/store/room-pool-store.ts';
import { connectApp, expectOk } from '../support/app-client.ts';
import { newBooking, putBooking, uniqueId } from '../support/booking-system.ts';
import { startBridge } from '../support/bridge.ts';
import { startFaultyProxy, type FaultyProxy } from '../support/faulty-proxy.ts';
import { useHarness } from '../support/harness.ts';

const POOL_SIZE = 2;
let proxy: FaultyProxy;
const harness = useHarness({
  bridge: async () => {
    proxy = await startFaultyProxy(inject('synapseUrl'));
    return { env: { SYNAPSE_URL: proxy.url, ROOM_POOL_SIZE: String(POOL_SIZE) } };
  },
});

afterAll(async () => {
  await proxy?.close();
});

const JOIN = /^POST \/_matrix\/client\/v3\/rooms\/[^/ ]+\/join/;

/** A Matrix read as the bridge's bot, straight to Synapse (past the proxy). */
async function asBot(path: string): Promise<Record<string, unknown> | undefined> {
  const { as_token } = inject('registration') as { as_token: string };
  const response = await fetch(`${inject('synapseUrl')}/_matrix/client/v3${path}`, { headers: { authorization: `Bearer ${as_token}` } });
  return response.ok ? ((await response.json()) as Record<string, unknown>) : undefined;
}

const state = (roomId: string, type: string, stateKey = '') =>
  asBot(`/rooms/${encodeURIComponent(roomId)}/state/${type}/${encodeURIComponent(stateKey)}`);

const membershipOf = async (roomId: string, platformId: string) =>
  (await state(roomId, 'm.room.member', harness.bridge.app.homeserver.ids.appUser(platformId)))?.membership;

const pooledRooms = async () => (await harness.bridge.app.db('room_pool').pluck('room_id')) as string[];

async function synced(bookingId: string): Promise<boolean> {
  const row = await harness.bridge.app.db('bookings').where({ booking_id: bookingId }).first('matrix_version', 'matrix_synced_version');
  return row.matrix_version === row.matrix_synced_version;
}

describe('a new booking', () => {
  it('takes a room made ahead, which gets its name, its booking and its members, and the pool is topped up', async () => {
    await harness.bridge.app.roomPool.settled();
    const ready = await pooledRooms();
    expect(ready).toHaveLength(POOL_SIZE);

    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    expect(ready).toContain(roomId);
    const customerApp = await harness.app(customer.id);
    expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'hello' }));

    expect([await membershipOf(roomId, customer.id), await membershipOf(roomId, artist.id)]).toEqual(['join', 'join']);
    expect(await state(roomId, 'm.room.name')).toEqual({ name: 'Bridal make-up' });
    expect(await state(roomId, BOOKING_STATE_EVENT)).toEqual({ bookingId });
    expect(await synced(bookingId)).toBe(true);
    await harness.bridge.app.roomPool.settled();
    const after = await pooledRooms();
    expect(after).toHaveLength(POOL_SIZE);
    expect(after).not.toContain(roomId);
  });

  it('is written to by its first send even when Synapse refused its members the first time', { timeout: 60_000 }, async () => {
    await harness.bridge.app.roomPool.settled();
    const refused = proxy.breakNext(JOIN, { action: 'refuse' });
    const { bookingId, roomId, customer } = await newBooking(harness.bridge.url);
    await refused.applied;
    expect(await synced(bookingId)).toBe(false);

    const customerApp = await harness.app(customer.id);
    expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'is anyone there?' }));
    expect(await membershipOf(roomId, customer.id)).toBe('join');
    expect(await synced(bookingId)).toBe(true);
  });

  it('taken by another process than the one that made its room still follows the booking there (a replaced artist leaves)', async () => {
    await harness.bridge.app.roomPool.settled();
    const madeHere = await pooledRooms();
    // The other process's own rooms are newer: it takes the oldest, one made here.
    const other = await startBridge({ databaseUrl: harness.bridge.databaseUrl, receivesTransactions: false });
    try {
      const { bookingId, roomId, customer, artist } = await newBooking(other.url);
      expect(madeHere).toContain(roomId);
      // Sent through the process that took the room: only its sync brings the members in.
      const customerApp = await connectApp(other.url, customer.id, { role: 'customer' });
      try {
        expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'hello' }));
      } finally {
        customerApp.close();
      }
      expect(await membershipOf(roomId, artist.id)).toBe('join');

      const replacement = { id: uniqueId('art'), name: 'Other Artist' };
      expect((await putBooking(harness.bridge.url, bookingId, { customer, artist: replacement })).status).toBe(200);
      expect([await membershipOf(roomId, artist.id), await membershipOf(roomId, replacement.id)]).toEqual(['leave', 'join']);
    } finally {
      await other.close();
    }
  });

  it('stored first by another process leaves the room it would have taken in the pool', async () => {
    await harness.bridge.app.roomPool.settled();
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    await harness.bridge.app.roomPool.settled();
    const before = await pooledRooms();
    const { db } = harness.bridge.app;
    const fields = { customer_id: customer.id, artist_id: artist.id, title: null, status: null, starts_at: null };
    expect(await new BookingsStore(db).insertWithPooledRoom(bookingId, fields, new RoomPoolStore(db))).toBe('taken');
    expect((await pooledRooms()).sort()).toEqual(before.sort());
    // And a booking nobody stored yet takes one of them.
    const another = await putBooking(harness.bridge.url, uniqueId('bk'), { customer, artist });
    expect(before).toContain(another.body.roomId);
  });
});
