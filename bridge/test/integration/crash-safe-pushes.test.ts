// A crash at any point after a message is stored still ends in its push (and its live event):
// the storing transaction records the follow-ups in the outbox, and any bridge process finishes
// what a dead one left. Each test stops a real bridge process at one step of a message's way
// (FAULT_PAUSE_AT), SIGKILLs it there, starts a fresh one on the same database and appservice
// port, and counts what reaches a background member's browser (Web Push) and their sync.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateVAPIDKeys } from 'web-push';
import { connectApp, type AppClient, expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { freshDatabase, spawnBridge, type BridgeProcess } from '../support/bridge-process.ts';
import { REDIS_URL, testPort } from '../support/services.ts';
import { startWebPushEndpoint, type WebPushEndpoint } from '../support/webpush-endpoint.ts';

const vapid = generateVAPIDKeys();
let pushService: WebPushEndpoint;
let env: Record<string, string>;
/** Serves the apps and never gets a transaction (its appservice port is not Synapse's). */
let server: BridgeProcess;
/** Takes Synapse's transactions: the process that is killed. */
let receiver: BridgeProcess;
const clients: AppClient[] = [];

const startReceiver = (faultPauseAt?: string) =>
  spawnBridge({
    port: testPort(19_202),
    appservicePort: inject('appservicePort'),
    env: { ...env, ...(faultPauseAt ? { FAULT_PAUSE_AT: faultPauseAt } : {}) },
  });

beforeAll(async () => {
  pushService = await startWebPushEndpoint();
  env = {
    DATABASE_URL: await freshDatabase(),
    REDIS_URL,
    WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
    WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
    WEBPUSH_SUBJECT: 'mailto:ops@booking-chat.test',
    WEBPUSH_ALLOWED_HOSTS: pushService.allowedHost,
    // Every process may send the pushes: each trusts the stand-in's throwaway CA.
    NODE_EXTRA_CA_CERTS: pushService.caFile,
  };
  receiver = await startReceiver();
  server = await spawnBridge({ port: testPort(19_201), appservicePort: testPort(19_211), env });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([receiver?.stop(), server?.stop()]);
  await pushService?.close();
});

async function app(userId: string, role: 'customer' | 'artist'): Promise<AppClient> {
  const client = await connectApp(server.url, userId, { role });
  clients.push(client);
  return client;
}

/**
 * A chat whose customer's browser is subscribed to Web Push and closed (the app in the
 * background), with everything before it stored, so that the next stored message is the one sent.
 */
async function chatWithClosedBrowser() {
  const { bookingId, customer, artist } = await newBooking(server.url);
  const artistApp = await app(artist.id, 'artist');
  // Answered once stored: every transaction Synapse queued before it has been taken too.
  await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'before the crash' });
  const browser = await app(customer.id, 'customer');
  const { cursor: since } = expectOk(await browser.request('sync'));
  const subscription = pushService.subscribe(vapid.publicKey);
  await browser.request('push:register', { kind: 'webpush', subscription });
  browser.close();
  return { bookingId, customer, artistApp, since, endpoint: subscription.endpoint };
}

describe.each([
  ['after-commit', 'stored, Synapse not answered (it replays the transaction, which stores nothing new)'],
  ['after-answer', 'answered, nothing emitted or queued'],
  ['after-emit', 'emitted, the push not queued'],
])('a bridge killed %s', (step, meaning) => {
  it(`(${meaning}) still pushes the message once and syncs it once`, { timeout: 180_000 }, async () => {
    const { bookingId, customer, artistApp, since, endpoint } = await chatWithClosedBrowser();
    await receiver.stop();
    receiver = await startReceiver(step);

    const clientId = randomUUID();
    const acked = artistApp.request('message:send', { bookingId, clientId, text: `killed ${step}` });
    await receiver.printed(`fault point reached: ${step}`, 40_000);
    await receiver.stop('SIGKILL');
    receiver = await startReceiver();

    const pushes = () => pushService.received.filter((push) => push.endpoint === endpoint);
    await expect.poll(() => pushes().length, { timeout: 60_000, interval: 250 }).toBeGreaterThan(0);
    const { message } = expectOk(await acked);
    // At least once in general; once here: the pushes are queued by whoever settles the outbox row.
    expect(pushes().map((push) => JSON.parse(push.plaintext).messageId)).toEqual([message.id]);
    expect(JSON.parse(pushes()[0]!.plaintext)).toMatchObject({ bookingId, body: `killed ${step}` });
    // The live event reached the apps too (twice is allowed: apps de-duplicate by id).
    await artistApp.waitForMessage((m) => m.id === message.id);

    const phone = await app(customer.id, 'customer');
    const synced = expectOk(await phone.request('sync', { since }));
    expect(synced.messages.filter((m) => m.clientId === clientId).map((m) => m.id)).toEqual([message.id]);
    expect(synced.more).toBe(false);
  });
});
