// Chats that close (issue #15): once a booking is completed or cancelled, its chat turns read-only
// CHAT_CLOSE_AFTER_HOURS later; a status back reopens it. Against the real stack: Synapse, the
// bridge's PostgreSQL, Socket.io apps and a support agent in a Matrix client.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { expectFailure, expectOk, type AppClient } from '../support/app-client.ts';
import { jsonRequest, newBooking, putBooking } from '../support/booking-system.ts';
import { useHarness, type Harness } from '../support/harness.ts';
import { noiseJpeg } from '../support/images.ts';
import { uploadImage } from '../support/media-client.ts';
import type { Chat, Message } from '../../src/protocol/types.ts';
import { BookingsStore } from '../../src/store/bookings-store.ts';
import { migrate, openDatabase, type Database } from '../../src/store/database.ts';
import { UsersStore } from '../../src/store/users-store.ts';
import { createDatabase } from '../support/services.ts';

const send = (app: AppClient, bookingId: string, text: string) => app.request('message:send', { bookingId, clientId: randomUUID(), text });

/** The next chat:updated of that booking that matches. */
function chatUpdated(app: AppClient, bookingId: string, predicate: (chat: Chat) => boolean = () => true): Promise<Chat> {
  return new Promise((resolve, reject) => {
    const listener = (chat: Chat) => {
      if (chat.bookingId !== bookingId || !predicate(chat)) return;
      app.socket.off('chat:updated', listener);
      clearTimeout(timer);
      resolve(chat);
    };
    const timer = setTimeout(() => {
      app.socket.off('chat:updated', listener);
      reject(new Error(`${app.userId} got no matching chat:updated for ${bookingId} within 15 s`));
    }, 15_000);
    app.socket.on('chat:updated', listener);
  });
}

const isSystem = (type: string, bookingId: string) => (m: Message) => m.bookingId === bookingId && m.system?.type === type;

async function bookingWithApps(harness: Harness) {
  const booking = await newBooking(harness.bridge.url);
  const customerApp = await harness.app(booking.customer.id, 'customer');
  const artistApp = await harness.app(booking.artist.id, 'artist');
  const setStatus = async (status: string) => {
    const response = await putBooking(harness.bridge.url, booking.bookingId, { ...booking, title: 'Bridal make-up', status });
    expect(response.status).toBe(200);
  };
  return { ...booking, customerApp, artistApp, setStatus };
}

describe('with CHAT_CLOSE_AFTER_HOURS=0, a completed booking', () => {
  const harness = useHarness({ staff: true, bridge: async () => ({ env: { CHAT_CLOSE_AFTER_HOURS: '0' } }) });

  it('closes its chat at once: a system message, chat:updated with closedAt, sends and uploads answer closed, history stays', async () => {
    const { bookingId, customer, customerApp, artistApp, setStatus } = await bookingWithApps(harness);
    const before = expectOk(await send(customerApp, bookingId, 'see you tomorrow'));
    const artistSeesClosed = chatUpdated(artistApp, bookingId, (chat) => chat.closedAt !== undefined);

    await setStatus('completed');

    const notice = await artistApp.waitForMessage(isSystem('chat.closed', bookingId));
    expect(notice).toMatchObject({ kind: 'system', sender: { role: 'system' }, system: { type: 'chat.closed' } });
    const closedChat = await artistSeesClosed;
    expect(closedChat).toMatchObject({ status: 'completed', closedAt: expect.any(String) });
    expect(notice.system!.data).toEqual({ closedAt: closedChat.closedAt });

    const refused = expectFailure(await send(customerApp, bookingId, 'one more thing'));
    expect(refused.error.code).toBe('closed');
    const onBefore = { bookingId, messageId: before.message.id };
    const changes = [
      await customerApp.request('message:edit', { ...onBefore, text: 'see you on Friday' }),
      await customerApp.request('message:delete', onBefore),
      await artistApp.request('message:react', { ...onBefore, key: '👍' }),
      await artistApp.request('message:unreact', { ...onBefore, key: '👍' }),
    ].map((ack) => (ack.ok ? 'ok' : ack.error.code));
    expect(changes).toEqual(['closed', 'closed', 'closed', 'closed']);
    const upload = await uploadImage(harness.bridge.url, bookingId, customer.id, await noiseJpeg(40, 30));
    expect(upload.status).toBe(409);
    expect(upload.body.error.code).toBe('closed');

    const history = expectOk(await customerApp.request('chat:history', { bookingId }));
    expect(history.messages.map((m) => m.id)).toEqual(expect.arrayContaining([before.message.id, notice.id]));
    const { chats } = expectOk(await customerApp.request('chats:list', {}));
    expect(chats.find((chat) => chat.bookingId === bookingId)?.closedAt).toBe(closedChat.closedAt);
  });

  it('says so once, however often the booking system repeats the PUT', async () => {
    const { bookingId, customerApp, artistApp, setStatus } = await bookingWithApps(harness);
    await setStatus('completed');
    await setStatus('completed');
    await setStatus('cancelled');
    // A message posted after the PUTs answered comes after anything they posted: then count.
    const marker = await jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, { type: 'test.marker' });
    expect(marker.status).toBe(201);
    await artistApp.waitForMessage(isSystem('test.marker', bookingId));
    expect(artistApp.received.filter(isSystem('chat.closed', bookingId))).toHaveLength(1);
    const history = expectOk(await customerApp.request('chat:history', { bookingId }));
    expect(history.messages.filter(isSystem('chat.closed', bookingId))).toHaveLength(1);
  });

  it('reopens when the status changes back: closedAt gone, a chat.reopened message, sends work again', async () => {
    const { bookingId, customerApp, artistApp, setStatus } = await bookingWithApps(harness);
    await setStatus('completed');
    const firstClosing = await artistApp.waitForMessage(isSystem('chat.closed', bookingId));
    expect(expectFailure(await send(customerApp, bookingId, 'closed?')).error.code).toBe('closed');

    const reopened = chatUpdated(artistApp, bookingId, (chat) => chat.status === 'rescheduled');
    await setStatus('rescheduled');
    expect((await reopened).closedAt).toBeUndefined();
    await artistApp.waitForMessage(isSystem('chat.reopened', bookingId));
    const sent = expectOk(await send(customerApp, bookingId, 'new date works for me'));
    await artistApp.waitForMessage((m) => m.id === sent.message.id);

    // Closed again, it is announced again.
    await setStatus('cancelled');
    await artistApp.waitForMessage((m) => isSystem('chat.closed', bookingId)(m) && m.id !== firstClosing.id);
    expect(expectFailure(await send(customerApp, bookingId, 'closed again?')).error.code).toBe('closed');
  });

  it('still takes support staff writing from Element', async () => {
    const { bookingId, roomId, customerApp, setStatus } = await bookingWithApps(harness);
    await harness.staffJoins(roomId);
    await setStatus('cancelled');
    await customerApp.waitForMessage(isSystem('chat.closed', bookingId));

    const { event_id } = await harness.staff.client.sendTextMessage(roomId, 'Your refund is on its way');
    const received = await customerApp.waitForMessage((m) => m.id === event_id);
    expect(received).toMatchObject({ kind: 'text', sender: { role: 'support' }, text: 'Your refund is on its way' });
  });
});

describe('with a few seconds of CHAT_CLOSE_AFTER_HOURS, a completed booking', () => {
  // 0.001 hours: 3.6 s, long enough to send right after the PUT, short enough to wait for.
  const harness = useHarness({ bridge: async () => ({ env: { CHAT_CLOSE_AFTER_HOURS: '0.001' } }) });

  it('stays open until then, and the sweep closes it', async () => {
    const { bookingId, customerApp, artistApp, setStatus } = await bookingWithApps(harness);
    const closed = chatUpdated(artistApp, bookingId, (chat) => chat.closedAt !== undefined);
    await setStatus('completed');
    const { chats } = expectOk(await customerApp.request('chats:list', {}));
    expect(chats.find((chat) => chat.bookingId === bookingId)).toMatchObject({ status: 'completed' });
    expect(chats.find((chat) => chat.bookingId === bookingId)?.closedAt).toBeUndefined();
    expectOk(await send(customerApp, bookingId, 'thanks, it was lovely'));

    const notice = await artistApp.waitForMessage(isSystem('chat.closed', bookingId));
    expect((await closed).closedAt).toBe(notice.system!.data.closedAt);
    expect(expectFailure(await send(customerApp, bookingId, 'too late')).error.code).toBe('closed');
  });
});

describe('closings due while several bridge processes sweep', () => {
  const opened: Database[] = [];
  afterAll(() => Promise.all(opened.map((db) => db.destroy())));

  it('are each claimed by one process, and not again once announced', async () => {
    const url = await createDatabase(`bookingchat_test_closing_${randomBytes(4).toString('hex')}`);
    const processes = Array.from({ length: 4 }, () => openDatabase(url));
    opened.push(...processes);
    await migrate(processes[0]!);
    const stores = processes.map((db) => new BookingsStore(db));
    const users = new UsersStore(processes[0]!);
    for (const id of ['c', 'a']) await users.upsert({ user_id: id, matrix_user_id: `@app_${id}:test`, name: id });
    const now = new Date();
    const due = Array.from({ length: 40 }, (_, i) => `due-${i}`);
    for (const id of [...due, 'later', 'open']) {
      const closes_at = id === 'open' ? null : id === 'later' ? new Date(now.getTime() + 60_000) : new Date(now.getTime() - 1000);
      await stores[0]!.insert(id, `!${id}:test`, {
        customer_id: 'c',
        artist_id: 'a',
        title: null,
        status: 'completed',
        starts_at: null,
        closes_at,
      });
    }

    const claimed = (await Promise.all(stores.flatMap((store) => [1, 2, 3].map(() => store.claimDueClosings(now, 60_000, 7))))).flat();
    expect(claimed.map((row) => row.booking_id).sort()).toEqual([...due].sort());
    // Claimed: not again while the claim lasts; announced: never again.
    expect(await stores[1]!.claimDueClosings(now, 60_000, 100)).toEqual([]);
    for (const row of claimed) expect(await stores[2]!.markCloseAnnounced(row.booking_id, row.closes_at!)).toBe(true);
    expect(await stores[3]!.claimDueClosings(new Date(now.getTime() + 120_000), 60_000, 100)).toEqual([
      expect.objectContaining({ booking_id: 'later' }),
    ]);
  });
});
