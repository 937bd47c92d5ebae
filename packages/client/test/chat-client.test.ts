// What an app does with the SDK, against a real bridge: connect and catch up, chat, read
// receipts and typing, photos with progress, sends refused for good or for now, and tokens the
// server refuses.
import { afterEach, describe, expect, it } from 'vitest';
import { newBooking, putBooking } from '../../../bridge/test/support/booking-system.ts';
import { jpegWithGpsAndOrientation } from '../../../bridge/test/support/images.ts';
import { useHarness } from '../../../bridge/test/support/harness.ts';
import { tokenFor } from '../../../bridge/test/support/tokens.ts';
import { ChatError, type ChatStatus, type FailedSend, type ReceiptEvent, type TypingEvent, type UploadProgress } from '../src/index.ts';
import { countsByText, sdkApp, texts, type SdkApp } from './support/sdk-apps.ts';

// A limit a burst of sends meets, so that the outbox has to wait out `retryAfter`.
const MESSAGES_PER_WINDOW = 5;
const harness = useHarness({
  bridge: async () => ({ env: { RATE_LIMIT_MESSAGES: `${MESSAGES_PER_WINDOW}/2s`, CHAT_CLOSE_AFTER_HOURS: '0' } }),
});
const apps: SdkApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.chat.close()));
});

async function connectedChat() {
  const booking = await newBooking(harness.bridge.url);
  const customer = sdkApp(harness.bridge.url, booking.customer.id, 'customer');
  const artist = sdkApp(harness.bridge.url, booking.artist.id, 'artist');
  apps.push(customer, artist);
  await Promise.all([customer.chat.connect(), artist.chat.connect()]);
  return { ...booking, customer, artist };
}

function next<T>(subscribe: (listener: (value: T) => void) => () => void, matches: (value: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const stop = subscribe((value) => {
      if (!matches(value)) return;
      stop();
      resolve(value);
    });
  });
}

describe('a connected app', () => {
  it('is online once caught up, and chats: sends, lists, pages, reads and types', async () => {
    const booking = await newBooking(harness.bridge.url);
    const customer = sdkApp(harness.bridge.url, booking.customer.id, 'customer');
    const artist = sdkApp(harness.bridge.url, booking.artist.id, 'artist');
    apps.push(customer, artist);
    const statuses: ChatStatus[] = [];
    customer.chat.on('status', (status) => statuses.push(status));
    expect(customer.chat.status).toBe('offline');
    await Promise.all([customer.chat.connect(), artist.chat.connect()]);
    expect(statuses).toEqual(['connecting', 'online']);

    const hello = await customer.chat.send(booking.bookingId, 'hello, see you on Saturday');
    expect(hello).toMatchObject({ bookingId: booking.bookingId, kind: 'text', sender: { id: booking.customer.id, role: 'customer' } });
    expect(hello.clientId).toMatch(/^[0-9a-f-]{36}$/);
    await artist.waitFor((received) => received.some((m) => m.id === hello.id), 'hello');

    const [chat] = await artist.chat.chats();
    expect(chat).toMatchObject({
      bookingId: booking.bookingId,
      counterpart: { id: booking.customer.id },
      lastMessage: { id: hello.id },
      unreadCount: 1,
    });
    expect((await artist.chat.history(booking.bookingId)).messages.map((m) => m.id)).toContain(hello.id);

    const receipt = next<ReceiptEvent>(
      (l) => customer.chat.on('receipt', l),
      (r) => r.userId === booking.artist.id,
    );
    await artist.chat.markRead(booking.bookingId, hello.id);
    expect(await receipt).toEqual({ bookingId: booking.bookingId, userId: booking.artist.id, messageId: hello.id });
    expect((await artist.chat.chats())[0]?.unreadCount).toBe(0);

    const typing = next<TypingEvent>(
      (l) => customer.chat.on('typing', l),
      (t) => t.userId === booking.artist.id,
    );
    artist.chat.setTyping(booking.bookingId, true);
    expect(await typing).toEqual({ bookingId: booking.bookingId, userId: booking.artist.id, typing: true });
  });

  it('sends a photo over REST with upload progress; the other side gets it once', async () => {
    const { bookingId, customer, artist } = await connectedChat();
    const progress: UploadProgress[] = [];
    const photo = new Blob([new Uint8Array(await jpegWithGpsAndOrientation())], { type: 'image/jpeg' });
    const message = await customer.chat.sendImage(bookingId, photo, { caption: 'this style', onProgress: (p) => progress.push(p) });
    expect(message).toMatchObject({ kind: 'image', text: 'this style', image: { mimetype: 'image/jpeg', width: 40, height: 60 } });
    expect(progress.at(-1)).toEqual({ loaded: progress.at(-1)!.total, total: expect.any(Number) });
    expect(progress.at(-1)!.total).toBeGreaterThan(photo.size);

    await artist.waitFor((received) => received.some((m) => m.id === message.id), 'the photo');
    await customer.waitFor((received) => received.some((m) => m.id === message.id), 'its own photo');
    for (const app of [artist, customer]) expect(app.received.filter((m) => m.id === message.id)).toHaveLength(1);
  });

  it('blocks and reports through the bridge', async () => {
    const { bookingId, customer, artist } = await connectedChat();
    const rude = await customer.chat.send(bookingId, 'you are late again');
    await artist.waitFor((received) => received.some((m) => m.id === rude.id), 'the message');
    expect((await artist.chat.report(rude.id, 'rude')).reportId).toEqual(expect.any(String));
    await artist.chat.block(customer.userId);
    await expect(customer.chat.send(bookingId, 'hello?')).rejects.toMatchObject({ code: 'blocked' });
    await artist.chat.unblock(customer.userId);
    await customer.chat.send(bookingId, 'sorry');
  });
});

describe('sends the server refuses', () => {
  it('for good: the promise rejects, the send leaves the outbox as a failed record, and the chat carries on', async () => {
    const { bookingId, customer, artist } = await connectedChat();
    const failures: FailedSend[] = [];
    customer.chat.on('send:failed', (failure) => failures.push(failure));
    const refused = customer.chat.send(bookingId, 'what the fuck');
    const after = customer.chat.send(bookingId, 'sorry, wrong chat');

    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'filtered', reason: 'profanity' });
    await after;
    expect(customer.chat.pending()).toEqual([]);
    expect(customer.chat.failed(bookingId)).toEqual([
      expect.objectContaining({ text: 'what the fuck', error: expect.objectContaining({ code: 'filtered', reason: 'profanity' }) }),
    ]);
    expect(failures.map((f) => f.text)).toEqual(['what the fuck']);
    await customer.chat.dismissFailed(customer.chat.failed()[0]!.clientId);
    expect(customer.chat.failed()).toEqual([]);

    await artist.waitFor((received) => received.some((m) => m.text === 'sorry, wrong chat'), 'the next send');
    expect(artist.received.some((m) => m.text?.includes('fuck'))).toBe(false);
  });

  it("for good when the chat closed: the server's closed, not the client's own, and the send leaves the outbox", async () => {
    const { bookingId, customer, artist } = await connectedChat();
    await putBooking(harness.bridge.url, bookingId, {
      customer: { id: customer.userId, name: 'Ann' },
      artist: { id: artist.userId, name: 'Bea' },
      status: 'completed',
    });

    const error = await customer.chat.send(bookingId, 'one last thing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'closed', fromServer: true });
    expect(customer.chat.pending()).toEqual([]);
    expect(customer.chat.failed(bookingId)).toEqual([
      expect.objectContaining({ text: 'one last thing', error: expect.objectContaining({ code: 'closed' }) }),
    ]);
  });

  it('for now (rate_limited): each waits out retryAfter with its clientId and arrives once, in order', async () => {
    const { bookingId, customer, artist } = await connectedChat();
    const written = texts('burst', MESSAGES_PER_WINDOW * 2 + 2);
    await Promise.all(written.map((text) => customer.chat.send(bookingId, text)));
    await artist.waitFor((received) => countsByText(received, bookingId).size === written.length, 'the burst');
    const counts = countsByText(artist.received, bookingId);
    expect(written.map((text) => counts.get(text))).toEqual(written.map(() => 1));
    expect(artist.received.filter((m) => m.bookingId === bookingId).map((m) => m.text)).toEqual(written);
  });
});

describe('tokens', () => {
  it('a token the server refuses: the client asks the app for a new one and connects with it', async () => {
    const { customer } = await newBooking(harness.bridge.url);
    let calls = 0;
    const app = sdkApp(harness.bridge.url, customer.id, 'customer', {
      token: async () => (++calls === 1 ? tokenFor(customer.id, { expiresIn: '0s' }) : tokenFor(customer.id)),
    });
    apps.push(app);
    await app.chat.connect();
    expect(calls).toBe(2);
    expect(app.chat.status).toBe('online');
  });
});
