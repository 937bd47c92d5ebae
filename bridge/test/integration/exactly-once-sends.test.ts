// A send is stored once per (sender, clientId), whatever the app repeats: the record of what a
// clientId became is written by the transaction that stores its message, and read with the
// booking in the send's first and only lookup. Against Synapse, the bridge's PostgreSQL and
// Socket.io apps.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectFailure, expectOk } from '../support/app-client.ts';
import { newBooking, putBooking, uniqueId } from '../support/booking-system.ts';
import { useHarness } from '../support/harness.ts';
import { CONTENT_CLIENT_ID } from '../../src/messages/matrix-event.ts';
import { MessageRowCache } from '../../src/store/message-row-cache.ts';
import { MessagesStore } from '../../src/store/messages-store.ts';
import { LOCK_READ_MODEL } from '../../src/store/read-model-lock.ts';
import type { NewMessageRow } from '../../src/store/rows.ts';

const harness = useHarness({ bridge: async () => ({ env: { CHAT_CLOSE_AFTER_HOURS: '0' } }) });

describe('a send retried with the same clientId', () => {
  it('answers the first message, also once the chat has closed', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id, 'customer');
    const artistApp = await harness.app(artist.id, 'artist');
    const payload = { bookingId, clientId: randomUUID(), text: 'see you at 10' };
    const first = expectOk(await customerApp.request('message:send', payload));

    const closed = artistApp.waitForMessage((m) => m.bookingId === bookingId && m.system?.type === 'chat.closed');
    expect(
      (await putBooking(harness.bridge.url, bookingId, { customer, artist, title: 'Bridal make-up', status: 'completed' })).status,
    ).toBe(200);
    await closed;

    expect(expectOk(await customerApp.request('message:send', payload)).message).toEqual(first.message);
    const late = { ...payload, clientId: randomUUID() };
    expect(expectFailure(await customerApp.request('message:send', late)).error.code).toBe('closed');
  });

  it('is invalid in another booking than the one it was first sent to', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const other = uniqueId('bk');
    expect((await putBooking(harness.bridge.url, other, { customer, artist })).status).toBe(201);
    const customerApp = await harness.app(customer.id, 'customer');
    const clientId = randomUUID();
    expectOk(await customerApp.request('message:send', { bookingId, clientId, text: 'in the first booking' }));

    const refused = expectFailure(await customerApp.request('message:send', { bookingId: other, clientId, text: 'in the second one' }));
    expect(refused.error.code).toBe('invalid');
  });

  it('answers the message the read model stored from Synapse with that clientId, without a second Matrix send', async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id, 'customer');
    const artistApp = await harness.app(artist.id, 'artist');
    // Through the bridge first: the customer is in the room by then.
    expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'hello' }));
    // Sent around the bridge's send (a Matrix transaction id of its own): only the storing
    // transaction can have recorded it, and a send the bridge made again would be a new event.
    const clientId = randomUUID();
    const { homeserver } = harness.bridge.app;
    const eventId = await homeserver.sendIdempotent(homeserver.intentFor(customer.id), roomId, randomUUID(), 'm.room.message', {
      msgtype: 'm.text',
      body: 'sent once',
      [CONTENT_CLIENT_ID]: clientId,
    });
    await artistApp.waitForMessage((m) => m.id === eventId);

    const retried = expectOk(await customerApp.request('message:send', { bookingId, clientId, text: 'sent once' }));
    expect(retried.message).toMatchObject({ id: eventId, clientId, text: 'sent once' });
    const history = expectOk(await artistApp.request('chat:history', { bookingId }));
    expect(history.messages.filter((m) => m.clientId === clientId).map((m) => m.id)).toEqual([eventId]);
  });
});

describe('a send slow to be stored', () => {
  /** The record of (sender, clientId) once there; polled, as nothing announces it. */
  async function recordOnceThere(senderId: string, clientId: string, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await harness.bridge.app.db('sent_messages').where({ sender_id: senderId, client_id: clientId }).first();
      if (record) return record as { event_id: string; booking_id: string };
      if (Date.now() > deadline) throw new Error(`${clientId} not recorded within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('records itself before its message is stored, for a retry to find even once Synapse has forgotten the transaction', async () => {
    const { bookingId, customer } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id, 'customer');
    expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'the room is ready' }));
    const { db } = harness.bridge.app;
    const clientId = randomUUID();

    // The read model's writers wait for this transaction: nothing is stored while it is open.
    const writers = await db.transaction();
    await writers.raw(LOCK_READ_MODEL);
    const answer = customerApp.request('message:send', { bookingId, clientId, text: 'slow to store' });
    try {
      const record = await recordOnceThere(customer.id, clientId);
      expect(record.booking_id).toBe(bookingId);
      expect(await db('messages').where({ event_id: record.event_id })).toEqual([]);
    } finally {
      await writers.commit();
    }
    const stored = expectOk(await answer).message;
    expect(await recordOnceThere(customer.id, clientId)).toMatchObject({ event_id: stored.id, booking_id: bookingId });
  });
});

describe('the storing transaction', () => {
  let counter = 0;
  const row = (bookingId: string, sender: Pick<NewMessageRow, 'sender_id' | 'sender_role'>, clientId: string | null): NewMessageRow => ({
    event_id: `$exactly-once-${++counter}-${randomUUID()}`,
    booking_id: bookingId,
    room_id: `!${bookingId}:test`,
    sender_mxid: `@${sender.sender_id}:test`,
    ...sender,
    sender_name: sender.sender_id,
    kind: 'text',
    content: { text: `message ${counter}` },
    client_id: clientId,
    created_at: new Date(),
  });
  const recordsOf = (clientIds: string[]) =>
    harness.bridge.app
      .db('sent_messages')
      .whereIn('client_id', clientIds)
      .orderBy('client_id')
      .select('sender_id', 'client_id', 'booking_id', 'event_id');

  it("records the app users' sends among the messages it stores, on both roads, the first message of a clientId keeping it", async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const store = new MessagesStore(harness.bridge.app.db, new MessageRowCache(10));
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => randomUUID()).sort();
    const asCustomer = { sender_id: customer.id, sender_role: 'customer' };
    const asArtist = { sender_id: artist.id, sender_role: 'artist' };
    const customers = row(bookingId, asCustomer, a!);
    const artists = row(bookingId, asArtist, b!);
    const again = row(bookingId, asCustomer, a!);
    // Only app users send with a clientId: another sender's content proves nothing.
    const supports = row(bookingId, { sender_id: 'support', sender_role: 'support' }, c!);
    const systems = row(bookingId, { sender_id: 'system', sender_role: 'system' }, d!);
    await store.write([customers, artists, again, supports, systems, row(bookingId, asCustomer, null)], []);
    // With a deletion, the general road (knex, statement by statement).
    const general = row(bookingId, asArtist, e!);
    const deletion = { event_id: '$no-such-event', booking_id: bookingId, redacted_by: '@staff:test' };
    await store.write([general], [deletion]);

    const recordOf = ({ sender_id, client_id, booking_id, event_id }: NewMessageRow) => ({ sender_id, client_id, booking_id, event_id });
    expect(await recordsOf([a!, b!, c!, d!, e!])).toEqual([customers, artists, general].map(recordOf));
  });
});
