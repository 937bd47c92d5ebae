// The chat never loses a word: a new device sees the same history, an app that was offline
// catches up exactly once through `sync`, and history goes on into Synapse past the read model.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import type { Message } from '../../src/protocol/types.ts';
import type { AppClient } from '../support/app-client.ts';
import { expectOk } from '../support/app-client.ts';
import { jsonRequest, newBooking, putBooking, uniqueId } from '../support/booking-system.ts';

const harness = useHarness({ staff: true });

async function fullHistory(client: AppClient, bookingId: string, limit = 100): Promise<Message[]> {
  const all: Message[] = [];
  let before: string | undefined;
  do {
    const page = expectOk(await client.request('chat:history', { bookingId, before, limit }));
    all.unshift(...page.messages);
    before = page.before;
  } while (before);
  return all;
}

async function syncAll(client: AppClient, since: string | undefined): Promise<{ messages: Message[]; pages: number; cursor: string }> {
  const messages: Message[] = [];
  let pages = 0;
  let cursor = since;
  for (;;) {
    const page = expectOk(await client.request('sync', cursor ? { since: cursor } : {}));
    messages.push(...page.messages);
    pages++;
    cursor = page.cursor;
    if (!page.more) return { messages, pages, cursor };
  }
}

describe('history on a new device', () => {
  it('is exactly what the old device saw, system messages and staff included, in order', async () => {
    const { bookingId, roomId, customer, artist } = await newBooking(harness.bridge.url);
    await harness.staffJoins(roomId);
    const oldPhone = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');

    const expected: string[] = [];
    for (let i = 0; i < 130; i++) {
      const sender = i % 2 ? artistApp : oldPhone;
      const { message } = expectOk(await sender.request('message:send', { bookingId, clientId: randomUUID(), text: `m${i}` }));
      expected.push(message.id);
      if (i === 40) {
        const system = await jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, {
          type: 'booking.confirmed',
        });
        expected.push(system.body.message.id);
      }
      if (i === 80) expected.push((await harness.staff.client.sendTextMessage(roomId, 'support note')).event_id);
    }
    await oldPhone.waitForMessage((m) => m.id === expected.at(-1));
    const seenByOldPhone = oldPhone.received.map((m) => m.id);
    expect(seenByOldPhone).toEqual(expected);

    const newPhone = await harness.app(customer.id);
    const history = await fullHistory(newPhone, bookingId, 50);
    expect(history.map((m) => m.id)).toEqual(expected);
    expect(history).toEqual(oldPhone.received);
    expect(history.find((m) => m.kind === 'system')?.system?.type).toBe('booking.confirmed');
    expect(history.find((m) => m.sender.role === 'support')?.text).toBe('support note');
  });
});

describe('offline catch-up', () => {
  it('gives an app that was offline every message it missed, exactly once, in order, in pages', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const otherBookingId = uniqueId('bk');
    const otherCustomer = { id: uniqueId('Cust'), name: 'Cleo' };
    await putBooking(harness.bridge.url, otherBookingId, { customer: otherCustomer, artist });
    const artistApp = await harness.app(artist.id, 'artist');
    const start = await syncAll(artistApp, undefined);
    artistApp.close();

    // While the artist is offline: messages from the customer, the booking system, and another chat of theirs.
    const customerApp = await harness.app(customer.id);
    const sent: string[] = [];
    const sends = Array.from({ length: 620 }, (_, i) => async () => {
      const { message } = expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: `offline ${i}` }));
      return message.id;
    });
    for (let i = 0; i < sends.length; i += 20) sent.push(...(await Promise.all(sends.slice(i, i + 20).map((send) => send()))));
    const system = await jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, {
      type: 'booking.cancelled',
    });
    sent.push(system.body.message.id);
    const otherApp = await harness.app(otherCustomer.id);
    for (const text of ['another chat', 'of the same artist']) {
      sent.push(expectOk(await otherApp.request('message:send', { bookingId: otherBookingId, clientId: randomUUID(), text })).message.id);
    }

    const back = await harness.app(artist.id, 'artist');
    const caughtUp = await syncAll(back, start.cursor);
    expect(caughtUp.pages).toBe(2);
    const ids = caughtUp.messages.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(sent));
    const cursors = caughtUp.messages.map((m) => BigInt(m.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(caughtUp.messages.map((m) => m.bookingId))).toEqual(new Set([bookingId, otherBookingId]));

    const nothingNew = await syncAll(back, caughtUp.cursor);
    expect(nothingNew.messages).toEqual([]);
    expect(nothingNew.cursor).toBe(caughtUp.cursor);
  });

  it("never returns another user's chats", async () => {
    const mine = await newBooking(harness.bridge.url);
    const theirs = await newBooking(harness.bridge.url);
    const stranger = await harness.app(theirs.customer.id);
    await stranger.request('message:send', { bookingId: theirs.bookingId, clientId: randomUUID(), text: 'private' });
    const me = await harness.app(mine.customer.id);
    const all = await syncAll(me, undefined);
    expect(all.messages.some((m) => m.bookingId === theirs.bookingId)).toBe(false);
  });

  it.each([[{ since: 'yesterday' }], [{ since: 5 }], [{ since: '-1' }]])('refuses a bad cursor %o', async (payload) => {
    const me = await harness.app('someone');
    expect(await me.requestRaw('sync', payload)).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });
});

describe('history older than the read model', () => {
  it('comes from Synapse once retention has dropped it from the read model, without senders the reader blocked', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');
    const sent: string[] = [];
    const fromArtist: string[] = [];
    for (let i = 0; i < 12; i++) {
      sent.push(expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: `old ${i}` })).message.id);
      if (i % 4 === 0) {
        fromArtist.push(
          expectOk(await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: `reply ${i}` })).message.id,
        );
      }
    }
    const everything = (await fullHistory(customerApp, bookingId)).map((m) => m.id);
    expect(everything.filter((id) => !fromArtist.includes(id))).toEqual(sent);
    expect(everything.filter((id) => fromArtist.includes(id))).toEqual(fromArtist);
    expectOk(await artistApp.request('message:react', { bookingId, messageId: sent[0]!, key: '👍' }));
    expectOk(await customerApp.request('message:edit', { bookingId, messageId: sent[1]!, text: 'old 1, edited' }));

    // Two years from now, a 365-day retention drops every partition holding these messages, and their edits and reactions.
    const { ReadModelRetention } = await import('../../src/messages/retention.ts');
    const retention = new ReadModelRetention(harness.bridge.app.db, 365, harness.bridge.app.logger);
    const { dropped } = await retention.run(new Date(Date.now() + 2 * 365 * 86_400_000));
    expect(dropped.length).toBeGreaterThan(0);
    const { db } = harness.bridge.app;
    expect(await db('messages').where({ booking_id: bookingId }).count('* as n')).toEqual([{ n: '0' }]);
    for (const table of ['message_edits', 'message_reactions', 'message_changes']) {
      expect(await db(table).where({ booking_id: bookingId }).count('* as n'), table).toEqual([{ n: '0' }]);
    }

    expect((await fullHistory(customerApp, bookingId, 5)).map((m) => m.id)).toEqual(everything);
    expectOk(await customerApp.request('user:block', { userId: artist.id }));
    const fromSynapse = await fullHistory(customerApp, bookingId, 5);
    expect(fromSynapse.map((m) => m.id)).toEqual(sent);
    expect(fromSynapse[0]).toMatchObject({ kind: 'text', text: 'old 0', sender: { id: customer.id, role: 'customer' }, cursor: '0' });
  });
});
