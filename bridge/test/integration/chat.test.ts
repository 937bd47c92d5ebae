// Real-time text chat end to end: apps over Socket.io, the bridge, a real Synapse, and a
// support agent in a real Matrix client.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { BookingsStore } from '../../src/store/bookings-store.ts';
import { UsersStore } from '../../src/store/users-store.ts';
import { expectOk } from '../support/app-client.ts';
import { useHarness } from '../support/harness.ts';
import { newBooking, putBooking } from '../support/booking-system.ts';

const harness = useHarness({ staff: true });

describe('a booking chat', () => {
  it('is created once by PUT /bookings/:id, however often the booking system repeats it', async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    const again = await putBooking(harness.bridge.url, bookingId, { customer, artist, title: 'Bridal make-up' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ bookingId, roomId, created: false });

    const members = await harness.bridge.app.homeserver.bot.matrixClient.getJoinedRoomMembers(roomId);
    expect(members.sort()).toEqual(
      [
        harness.bridge.app.homeserver.ids.botUserId,
        harness.bridge.app.homeserver.ids.appUser(customer.id),
        harness.bridge.app.homeserver.ids.appUser(artist.id),
      ].sort(),
    );
  });

  it('creates one room when the same booking is PUT concurrently', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const results = await Promise.all([1, 2, 3].map(() => putBooking(harness.bridge.url, `${bookingId}-c`, { customer, artist })));
    expect(new Set(results.map((r) => r.body.roomId)).size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
  });
});

describe('real-time text', () => {
  it('reaches every device of the artist with its Matrix event id, and is in Synapse', async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id, 'customer');
    const artistPhone = await harness.app(artist.id, 'artist');
    const artistLaptop = await harness.app(artist.id, 'artist');

    const clientId = randomUUID();
    const ack = expectOk(await customerApp.request('message:send', { bookingId, clientId, text: "I'm 5 minutes late" }));
    expect(ack.ok).toBe(true);
    expect(ack.message).toMatchObject({
      bookingId,
      clientId,
      kind: 'text',
      text: "I'm 5 minutes late",
      sender: { id: customer.id, role: 'customer', name: customer.name },
    });
    expect(ack.message.id).toMatch(/^\$/);

    for (const device of [artistPhone, artistLaptop]) {
      const received = await device.waitForMessage((m) => m.id === ack.message.id);
      expect(received).toEqual(ack.message);
    }
    const event = await harness.bridge.app.homeserver.bot.matrixClient.getEvent(roomId, ack.message.id);
    expect(event.content.body).toBe("I'm 5 minutes late");
    expect(event.sender).toBe(harness.bridge.app.homeserver.ids.appUser(customer.id));
  });

  it('gives one message for a clientId sent twice', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id, 'customer');
    const artistApp = await harness.app(artist.id, 'artist');
    const payload = { bookingId, clientId: randomUUID(), text: 'see you at 10' };

    const [first, second] = await Promise.all([
      customerApp.request('message:send', payload).then(expectOk),
      customerApp.request('message:send', payload).then(expectOk),
    ]);
    const third = expectOk(await customerApp.request('message:send', payload));
    expect(first.message.id).toBe(second.message.id);
    expect(third.message.id).toBe(first.message.id);

    await artistApp.waitForMessage((m) => m.id === first.message.id);
    const history = expectOk(await artistApp.request('chat:history', { bookingId }));
    expect(history.messages.filter((m) => m.clientId === payload.clientId)).toHaveLength(1);
  });

  it('keeps history in order and lists the chat with its last message', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id, 'customer');
    const artistApp = await harness.app(artist.id, 'artist');
    const texts = ['hi', 'can we do 9?', 'yes'];
    for (const [i, text] of texts.entries()) {
      const sender = i === 2 ? artistApp : customerApp;
      await sender.request('message:send', { bookingId, clientId: randomUUID(), text });
    }
    const history = expectOk(await customerApp.request('chat:history', { bookingId, limit: 2 }));
    expect(history.messages.map((m) => m.text)).toEqual(['can we do 9?', 'yes']);
    const older = expectOk(await customerApp.request('chat:history', { bookingId, before: history.before }));
    expect(older.messages.map((m) => m.text)).toEqual(['hi']);
    expect(older.before).toBeUndefined();

    const { chats } = expectOk(await artistApp.request('chats:list'));
    const chat = chats.find((c: any) => c.bookingId === bookingId);
    expect(chat).toMatchObject({
      title: 'Bridal make-up',
      counterpart: { id: customer.id, role: 'customer', name: customer.name },
      lastMessage: { text: 'yes' },
      unreadCount: 2,
    });
  });
});

describe('reading the booking', () => {
  it("is not done again to store a send's own message (the send lends its read), and is for anyone else's", async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id, 'customer');
    const artistApp = await harness.app(artist.id, 'artist');
    // A send waits until the room is in line with its booking (members in, named); then support
    // joins and writes, and once that message has reached the app every earlier event of the room
    // has been stored too: from here on, only this test's messages come through.
    expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'Hello' }));
    await harness.staffJoins(roomId);
    const first = await harness.staff.client.sendTextMessage(roomId, 'Support is here');
    await artistApp.waitForMessage((m) => m.id === first.event_id);
    const reads = vi.spyOn(BookingsStore.prototype, 'getByRoomsWithMembers');
    const readsOfRoom = () => reads.mock.calls.filter(([rooms]) => rooms.includes(roomId)).length;
    // The sender's name comes with the lent booking too: no lookup of the user.
    const userLookups = vi.spyOn(UsersStore.prototype, 'get');
    try {
      const text = 'Running 5 minutes late';
      expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text }));
      const delivered = await artistApp.waitForMessage((m) => m.text === text);
      expect(delivered.sender).toMatchObject({ role: 'customer', name: customer.name });
      expect(readsOfRoom()).toBe(0);
      expect(userLookups.mock.calls.filter(([userId]) => userId === customer.id)).toEqual([]);

      const second = await harness.staff.client.sendTextMessage(roomId, 'No problem');
      await artistApp.waitForMessage((m) => m.id === second.event_id);
      expect(readsOfRoom()).toBe(1);
    } finally {
      reads.mockRestore();
      userLookups.mockRestore();
    }
  });
});

describe('support staff in Element', () => {
  it("see the apps' messages and write back as Support", async () => {
    const { bookingId, roomId, customer } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id, 'customer');
    await harness.staffJoins(roomId);

    const sent = expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'help please' }));
    const seen = await harness.staff.waitForEvent(roomId, (e) => e.getId() === sent.message.id);
    expect(seen.getContent().body).toBe('help please');

    const { event_id } = await harness.staff.client.sendTextMessage(roomId, 'Support here, how can we help?');
    const received = await customerApp.waitForMessage((m) => m.id === event_id);
    expect(received).toMatchObject({
      bookingId,
      kind: 'text',
      text: 'Support here, how can we help?',
      sender: { role: 'support', name: 'Support' },
    });
  });
});
