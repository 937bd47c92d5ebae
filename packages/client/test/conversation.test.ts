// Edits, deletions, replies and reactions through the SDK, against a real bridge: each app's own
// store (kept from `message`, `message:updated` and `message:deleted` alone) ends as the server
// has the conversation, whether the app was online for every change or offline for all of them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newBooking } from '../../../bridge/test/support/booking-system.ts';
import { useHarness } from '../../../bridge/test/support/harness.ts';
import { ChatError, memoryStorage, type Message } from '../src/index.ts';
import { startNetworkSwitch, type NetworkSwitch } from './support/network-switch.ts';
import { sdkApp, type SdkApp } from './support/sdk-apps.ts';

const harness = useHarness();
let network: NetworkSwitch;
const apps: SdkApp[] = [];

beforeAll(async () => {
  network = await startNetworkSwitch(harness.bridge.url);
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.chat.close()));
  network.up();
});

afterAll(async () => {
  await network?.close();
});

function open(url: string, userId: string, role: 'customer' | 'artist', storage = memoryStorage()): SdkApp {
  const app = sdkApp(url, userId, role, { storage });
  apps.push(app);
  return app;
}

/** A booking's two apps, connected; the customer's through the network switch when it is to go offline. */
async function chat(options: { customerThroughSwitch?: boolean; customerStorage?: ReturnType<typeof memoryStorage> } = {}) {
  const booking = await newBooking(harness.bridge.url);
  const url = options.customerThroughSwitch ? network.url : harness.bridge.url;
  const customer = open(url, booking.customer.id, 'customer', options.customerStorage);
  const artist = open(harness.bridge.url, booking.artist.id, 'artist');
  await Promise.all([customer.chat.connect(), artist.chat.connect()]);
  return { ...booking, customer, artist };
}

/** What can change about a message once written. */
const stateOf = ({ id, text, editedAt, replyTo, reactions }: Message) => ({ id, text, editedAt, replyTo, reactions });

/** The app's store for this booking equals what the server's history shows that user, message by message. */
async function storeMatchesServer(app: SdkApp, bookingId: string): Promise<void> {
  const { messages } = await app.chat.history(bookingId, { limit: 100 });
  const stored = [...app.store.values()].filter((m) => m.bookingId === bookingId && m.kind !== 'system');
  const server = messages.filter((m) => m.kind !== 'system');
  expect(stored.map(stateOf).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
    server.map(stateOf).sort((a, b) => a.id.localeCompare(b.id)),
  );
}

const holds = (app: SdkApp, id: string, test: (message: Message) => boolean) => {
  const message = app.store.get(id);
  return message !== undefined && test(message);
};

describe('changes while both apps are online', () => {
  it('reach both apps as whole messages: edits (and the replies quoting them), reactions with mine, deletions', async () => {
    const { bookingId, customer, artist } = await chat();
    expect(customer.chat.userId).toBe(customer.userId);
    const question = await customer.chat.send(bookingId, 'Can you do a bridal trial on Friday?');
    await artist.waitFor(() => artist.store.has(question.id), 'the question');

    const answer = await artist.chat.send(bookingId, 'Yes, 3pm works', { replyTo: question.id });
    expect(answer.replyTo).toEqual({ id: question.id, sender: question.sender, preview: 'Can you do a bridal trial on Friday?' });
    expect(artist.chat.pending()).toEqual([]);
    await customer.waitFor(() => customer.store.has(answer.id), 'the answer');

    const edited = await customer.chat.editMessage(bookingId, question.id, 'A trial on Saturday?');
    expect(edited).toMatchObject({ id: question.id, text: 'A trial on Saturday?', editedAt: expect.any(String) });
    // The reply's preview follows the original's edit on both sides, without a page of history.
    for (const app of [artist, customer]) {
      await app.waitFor(
        () =>
          holds(app, question.id, (m) => m.text === 'A trial on Saturday?') &&
          holds(app, answer.id, (m) => m.replyTo?.preview === 'A trial on Saturday?'),
        'the edit and the reply quoting it',
      );
    }

    await artist.chat.react(bookingId, question.id, '👍');
    await customer.chat.react(bookingId, question.id, '👍');
    await customer.chat.react(bookingId, question.id, '❤️');
    await customer.waitFor(
      () => holds(customer, question.id, (m) => m.reactions.length === 2 && m.reactions[0]!.count === 2),
      'the reactions',
    );
    await artist.waitFor(() => holds(artist, question.id, (m) => m.reactions.length === 2 && m.reactions[0]!.count === 2), 'the reactions');
    expect(customer.store.get(question.id)!.reactions).toEqual([
      { key: '👍', count: 2, mine: true },
      { key: '❤️', count: 1, mine: true },
    ]);
    expect(artist.store.get(question.id)!.reactions).toEqual([
      { key: '👍', count: 2, mine: true },
      { key: '❤️', count: 1, mine: false },
    ]);
    expect(artist.reactions).toContainEqual({
      bookingId,
      messageId: question.id,
      userId: customer.userId,
      key: '❤️',
      on: true,
      mine: false,
    });
    expect(customer.reactions).toContainEqual({
      bookingId,
      messageId: question.id,
      userId: customer.userId,
      key: '❤️',
      on: true,
      mine: true,
    });

    await artist.chat.unreact(bookingId, question.id, '👍');
    await customer.waitFor(() => holds(customer, question.id, (m) => m.reactions[0]?.count === 1), 'the reaction taken back');
    expect(customer.store.get(question.id)!.reactions[0]).toEqual({ key: '👍', count: 1, mine: true });

    await customer.chat.deleteMessage(bookingId, question.id);
    for (const app of [artist, customer]) {
      await app.waitFor(() => !app.store.has(question.id) && holds(app, answer.id, (m) => m.replyTo?.preview === null), 'the deletion');
    }
    for (const app of [artist, customer]) await storeMatchesServer(app, bookingId);
  });
});

describe('an app offline while the conversation changes', () => {
  it('catches up every edit, reaction and deletion through sync, and ends as the online app', async () => {
    const storage = memoryStorage();
    const { bookingId, customer, artist } = await chat({ customerThroughSwitch: true, customerStorage: storage });
    const mine = await customer.chat.send(bookingId, 'Is parking easy?');
    const theirs = await artist.chat.send(bookingId, 'Yes, in the yard', { replyTo: mine.id });
    const doomed = await artist.chat.send(bookingId, 'Bring cash');
    await customer.waitFor(() => customer.store.has(doomed.id), 'the messages');
    // The offline stretch starts after the cursor passed them: the changes come as `changed`, not as new messages.
    // (The trailing sync stores the cursor a moment after the live messages; nothing announces it.)
    await expect
      .poll(async () => BigInt(JSON.parse((await storage.getItem('booking-chat:cursor')) ?? '"0"') as string) >= BigInt(doomed.cursor))
      .toBe(true);

    network.down();
    await customer.status('offline');
    const otherDevice = open(harness.bridge.url, customer.userId, 'customer');
    await otherDevice.chat.connect();
    await artist.chat.editMessage(bookingId, theirs.id, 'Yes, in the yard behind the salon');
    await artist.chat.react(bookingId, mine.id, '😂');
    await otherDevice.chat.react(bookingId, mine.id, '🙏');
    await otherDevice.chat.editMessage(bookingId, mine.id, 'Is parking easy there?');
    await artist.chat.deleteMessage(bookingId, doomed.id);
    const updatesBefore = customer.updates.length;

    network.up();
    await customer.status('online');
    // Online means caught up: every change is in the store already.
    expect(customer.store.has(doomed.id)).toBe(false);
    expect(customer.store.get(theirs.id)).toMatchObject({
      text: 'Yes, in the yard behind the salon',
      editedAt: expect.any(String),
      replyTo: { id: mine.id, preview: 'Is parking easy there?' },
    });
    expect(customer.store.get(mine.id)).toMatchObject({
      text: 'Is parking easy there?',
      reactions: [
        { key: '😂', count: 1, mine: false },
        { key: '🙏', count: 1, mine: true },
      ],
    });
    expect(customer.updates.slice(updatesBefore).map((m) => m.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect(customer.deletions).toContainEqual({ bookingId, messageId: doomed.id });
    // Changes are not new messages: each message was handed over as `message` once.
    for (const id of [mine.id, theirs.id]) expect(customer.received.filter((m) => m.id === id)).toHaveLength(1);
    await storeMatchesServer(customer, bookingId);
    await storeMatchesServer(artist, bookingId);
  });
});

describe('changes the SDK cannot make', () => {
  it('are refused and change nothing: offline (not queued), and on messages of others or with a bad key', async () => {
    const { bookingId, customer, artist } = await chat({ customerThroughSwitch: true });
    const theirs = await artist.chat.send(bookingId, 'See you at 10');
    await customer.waitFor(() => customer.store.has(theirs.id), 'the message');

    const refusals = await Promise.all([
      customer.chat.editMessage(bookingId, theirs.id, 'See you never').catch((e: unknown) => e),
      customer.chat.deleteMessage(bookingId, theirs.id).catch((e: unknown) => e),
      customer.chat.react(bookingId, theirs.id, 'ok').catch((e: unknown) => e),
    ]);
    expect(refusals.map((e) => (e instanceof ChatError ? e.code : e))).toEqual(['forbidden', 'forbidden', 'invalid']);

    network.down();
    await customer.status('offline');
    const offline = await customer.chat.react(bookingId, theirs.id, '👍').catch((e: unknown) => e);
    expect(offline).toMatchObject({ code: 'offline' });
    expect(customer.chat.pending()).toEqual([]);
    network.up();
    await customer.status('online');

    // A change that does go through is the barrier: once it is there, a refused one would be too.
    await artist.chat.react(bookingId, theirs.id, '🙏');
    await customer.waitFor(() => holds(customer, theirs.id, (m) => m.reactions.length > 0), 'the reaction that was made');
    expect(customer.store.get(theirs.id)).toMatchObject({ text: 'See you at 10', reactions: [{ key: '🙏', count: 1, mine: false }] });
    expect(customer.deletions).toEqual([]);
    await storeMatchesServer(customer, bookingId);
  });
});
