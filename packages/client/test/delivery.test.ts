// The SDK's promise to the app: each message the user wrote arrives exactly once on the other
// side, whatever happens between — the network going down, the app killed with sends pending,
// the server restarted mid-stream. Against a real bridge, through a TCP proxy the test controls.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newBooking } from '../../../bridge/test/support/booking-system.ts';
import { startBridge, type TestBridge } from '../../../bridge/test/support/bridge.ts';
import { memoryStorage, type Message } from '../src/index.ts';
import { startNetworkSwitch, type NetworkSwitch } from './support/network-switch.ts';
import { countsByText, sdkApp, texts, type SdkApp } from './support/sdk-apps.ts';

let bridge: TestBridge;
let network: NetworkSwitch;
const apps: SdkApp[] = [];

beforeAll(async () => {
  bridge = await startBridge();
  network = await startNetworkSwitch(bridge.url);
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.chat.close()));
  network.up();
});

afterAll(async () => {
  await network?.close();
  await bridge?.close();
});

/** A booking whose customer talks through the switch; the artist too when `artistThroughSwitch`. */
async function chatBetween(options: { customerStorage?: ReturnType<typeof memoryStorage>; artistThroughSwitch?: boolean } = {}) {
  const booking = await newBooking(bridge.url);
  const customer = open(booking.customer.id, 'customer', options.customerStorage);
  const artist = open(booking.artist.id, 'artist', undefined, options.artistThroughSwitch ? network.url : bridge.url);
  await Promise.all([customer.chat.connect(), artist.chat.connect()]);
  return { ...booking, customer, artist };
}

function open(userId: string, role: 'customer' | 'artist', storage = memoryStorage(), url = network.url): SdkApp {
  const app = sdkApp(url, userId, role, { storage });
  apps.push(app);
  return app;
}

/** Every text arrived, and each exactly once. */
async function arrivedOnce(app: SdkApp, bookingId: string, written: string[]): Promise<void> {
  await app.waitFor((received) => written.every((text) => countsByText(received, bookingId).has(text)), `all of ${written.length} texts`);
  const counts = countsByText(app.received, bookingId);
  expect(written.map((text) => counts.get(text))).toEqual(written.map(() => 1));
  // And the server stored each once: its history holds each text once.
  const { messages } = await app.chat.history(bookingId, { limit: 100 });
  const stored = countsByText(messages, bookingId);
  expect(written.map((text) => stored.get(text))).toEqual(written.map(() => 1));
}

function byCursor(messages: Message[], bookingId: string): string[] {
  return messages
    .filter((message) => message.bookingId === bookingId && message.kind === 'text')
    .sort((a, b) => (BigInt(a.cursor) < BigInt(b.cursor) ? -1 : 1))
    .map((message) => message.text!);
}

describe('sends while the network is down', () => {
  it('are queued with their clientIds, then arrive once each and in order when it comes back', async () => {
    const { bookingId, customer, artist } = await chatBetween();
    network.down();
    await customer.status('offline');

    const written = texts('written offline', 8);
    const sends = written.map((text) => customer.chat.send(bookingId, text));
    await customer.waitFor(() => customer.chat.pending(bookingId).length === written.length, 'all sends queued');
    const queued = customer.chat.pending(bookingId);
    expect(queued.map((entry) => entry.text)).toEqual(written);
    expect(new Set(queued.map((entry) => entry.clientId)).size).toBe(written.length);
    expect(customer.chat.status).not.toBe('online');

    network.up();
    const stored = await Promise.all(sends);
    expect(stored.map((message) => message.clientId)).toEqual(queued.map((entry) => entry.clientId));
    expect(customer.chat.pending()).toEqual([]);

    await arrivedOnce(artist, bookingId, written);
    expect(byCursor(artist.received, bookingId)).toEqual(written);
    // The sender's own client hands each of its messages to the app once too.
    await arrivedOnce(customer, bookingId, written);
  });
});

describe('an app killed with sends pending', () => {
  it('restarted from the same storage, sends each once: those queued offline and one whose answer was lost', async () => {
    const storage = memoryStorage();
    const { bookingId, customer, artist } = await chatBetween({ customerStorage: storage });

    // The bridge gets this send and stores it, but the answer never reaches the app.
    network.loseAnswers();
    const unanswered = 'sent, answer lost';
    customer.chat.send(bookingId, unanswered).catch(() => undefined);
    await artist.waitFor((received) => received.some((m) => m.text === unanswered), 'the unanswered send stored');

    network.down();
    await customer.status('offline');
    const offline = texts('queued before the kill', 3);
    for (const text of offline) customer.chat.send(bookingId, text).catch(() => undefined);
    const written = [unanswered, ...offline];
    await customer.waitFor(() => customer.chat.pending(bookingId).length === written.length, 'all sends queued');
    const queued = customer.chat.pending(bookingId).map((entry) => entry.clientId);

    // Killed: closed without a chance to flush anything.
    await customer.chat.close();
    network.up();

    const restarted = open(customer.userId, 'customer', storage);
    await restarted.chat.connect();
    await restarted.waitFor(() => restarted.chat.pending().length === 0, 'the outbox emptied');

    await arrivedOnce(artist, bookingId, written);
    expect(byCursor(artist.received, bookingId)).toEqual(written);
    // The clientIds given before the kill are the ones the server stored.
    const stored = artist.received.filter((m) => m.bookingId === bookingId).map((m) => m.clientId);
    expect(stored).toEqual(expect.arrayContaining(queued));
  });
});

describe('a server restart mid-stream', () => {
  it('loses nothing and repeats nothing: the stream resumes on the new server', async () => {
    const { bookingId, customer, artist } = await chatBetween({ artistThroughSwitch: true });
    const written = texts('streamed', 30);
    const sends = written.map((text) => customer.chat.send(bookingId, text));

    await artist.waitFor((received) => countsByText(received, bookingId).size >= 8, 'the stream under way');
    await bridge.close();
    bridge = await startBridge({ databaseUrl: bridge.databaseUrl });
    network.retarget(bridge.url);

    await Promise.all(sends);
    await arrivedOnce(artist, bookingId, written);
    expect(byCursor(artist.received, bookingId)).toEqual(written);
  });
});
