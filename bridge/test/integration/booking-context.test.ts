// The chat follows the booking: the chat list shows booking context, booking changes reach
// the apps as chat:updated, and the booking system's system messages arrive in the stream.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectOk } from '../support/app-client.ts';
import { useHarness } from '../support/harness.ts';
import type { Chat } from '../../src/protocol/types.ts';
import { jsonRequest, newBooking, putBooking, uniqueId } from '../support/booking-system.ts';

const harness = useHarness({ staff: true });

function postSystemMessage(bookingId: string, body: unknown, key?: string) {
  return jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, body, {
    headers: key ? { 'idempotency-key': key } : undefined,
  });
}

describe('chats:list', () => {
  it("shows each of the user's chats with its booking, counterpart, last message and unread count, newest activity first", async () => {
    const artist = { id: uniqueId('art'), name: 'Bea Artist' };
    const first = { id: uniqueId('cust'), name: 'Ann' };
    const second = { id: uniqueId('cust'), name: 'Cleo' };
    const older = uniqueId('bk');
    const newer = uniqueId('bk');
    await putBooking(harness.bridge.url, older, {
      customer: first,
      artist,
      title: 'Hair trial',
      status: 'confirmed',
      startsAt: '2026-12-01T10:00:00Z',
    });
    await putBooking(harness.bridge.url, newer, { customer: second, artist, title: 'Bridal make-up', status: 'pending' });

    const cleo = await harness.app(second.id);
    const ann = await harness.app(first.id);
    await cleo.request('message:send', { bookingId: newer, clientId: randomUUID(), text: 'first' });
    await ann.request('message:send', { bookingId: older, clientId: randomUUID(), text: 'latest' });

    const artistApp = await harness.app(artist.id, 'artist');
    const { chats } = expectOk(await artistApp.request('chats:list'));
    expect(chats.map((c) => c.bookingId)).toEqual([older, newer]);
    expect(chats[0]).toMatchObject({
      title: 'Hair trial',
      status: 'confirmed',
      startsAt: '2026-12-01T10:00:00.000Z',
      counterpart: { id: first.id, role: 'customer', name: 'Ann' },
      lastMessage: { text: 'latest', sender: { id: first.id } },
      unreadCount: 1,
    });
    expect(chats[1]).toMatchObject({ status: 'pending', counterpart: { name: 'Cleo' }, unreadCount: 1 });
  });
});

describe('booking updates', () => {
  it('reach both members as chat:updated when the status or time changes', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');
    const updates = [customerApp, artistApp].map(
      (client) => new Promise<Chat>((resolve) => client.socket.on('chat:updated', (chat) => chat.bookingId === bookingId && resolve(chat))),
    );
    const result = await putBooking(harness.bridge.url, bookingId, {
      customer,
      artist,
      title: 'Bridal make-up',
      status: 'rescheduled',
      startsAt: '2026-12-24T09:30:00+01:00',
    });
    expect(result.status).toBe(200);
    const [forCustomer, forArtist] = await Promise.all(updates);
    expect(forCustomer).toMatchObject({ status: 'rescheduled', startsAt: '2026-12-24T08:30:00.000Z', counterpart: { id: artist.id } });
    expect(forArtist!.counterpart.id).toBe(customer.id);
  });
});

describe('system messages', () => {
  it('arrive in the stream as kind "system" with type and data, and show in Element as a notice', async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    await harness.staffJoins(roomId);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');

    const posted = await postSystemMessage(bookingId, { type: 'booking.confirmed', data: { startsAt: '2026-12-01T10:00:00Z' } });
    expect(posted.status).toBe(201);
    expect(posted.body.message).toMatchObject({
      bookingId,
      kind: 'system',
      text: 'Booking confirmed',
      sender: { id: 'system', role: 'system' },
      system: { type: 'booking.confirmed', data: { startsAt: '2026-12-01T10:00:00Z' } },
    });
    for (const client of [customerApp, artistApp]) {
      expect(await client.waitForMessage((m) => m.id === posted.body.message.id)).toEqual(posted.body.message);
    }
    const notice = await harness.staff.waitForEvent(roomId, (e) => e.getId() === posted.body.message.id);
    expect(notice.getContent()).toMatchObject({ msgtype: 'm.notice', body: 'Booking confirmed' });
  });

  it('are posted once per Idempotency-Key', async () => {
    const { bookingId } = await newBooking(harness.bridge.url);
    const body = { type: 'booking.rescheduled', text: 'Moved to 11:00' };
    const first = await postSystemMessage(bookingId, body, 'resched-1');
    const again = await postSystemMessage(bookingId, body, 'resched-1');
    expect(again.body.message.id).toBe(first.body.message.id);
  });

  it.each([
    ['a type that is not a dotted name', { type: 'Booking Confirmed!' }, 400, 'invalid'],
    ['no type', { text: 'no type' }, 400, 'invalid'],
    ['data that is not an object', { type: 'booking.note', data: 'not an object' }, 400, 'invalid'],
    ['text over 2000 characters', { type: 'booking.note', text: 'x'.repeat(2001) }, 400, 'invalid'],
  ])('refuse %s', async (_label, body, status, code) => {
    const { bookingId } = await newBooking(harness.bridge.url);
    expect(await postSystemMessage(bookingId, body)).toMatchObject({ status, body: { error: { code } } });
  });

  it('refuse an unknown booking and a missing service token', async () => {
    expect(await postSystemMessage('no-such-booking', { type: 'booking.confirmed' })).toMatchObject({ status: 404 });
    const anonymous = await jsonRequest(
      'POST',
      `${harness.bridge.url}/api/v1/bookings/x/system-messages`,
      { type: 'a' },
      { token: 'wrong-token-123456' },
    );
    expect(anonymous.status).toBe(401);
  });
});
