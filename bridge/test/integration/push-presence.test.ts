// Presence is shared by every bridge process: an app in the foreground on one process means
// no push for a message stored by another; once it goes to the background, pushes flow.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { generateVAPIDKeys } from 'web-push';
import { connectApp, type AppClient, expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { freshDatabase, spawnBridge, type BridgeProcess } from '../support/bridge-process.ts';
import { REDIS_URL, testPort } from '../support/services.ts';
import { startWebPushEndpoint, type WebPushEndpoint } from '../support/webpush-endpoint.ts';

let receiver: BridgeProcess;
let server: BridgeProcess;
let pushService: WebPushEndpoint;
let databaseUrl: string;
const vapid = generateVAPIDKeys();
const clients: AppClient[] = [];

beforeAll(async () => {
  pushService = await startWebPushEndpoint();
  const env = {
    DATABASE_URL: (databaseUrl = await freshDatabase()),
    REDIS_URL,
    WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
    WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
    // The local push service's certificate comes from a throwaway CA.
    NODE_EXTRA_CA_CERTS: pushService.caFile,
    WEBPUSH_ALLOWED_HOSTS: pushService.allowedHost,
  };
  receiver = await spawnBridge({ port: testPort(18_601), appservicePort: inject('appservicePort'), env });
  server = await spawnBridge({ port: testPort(18_602), appservicePort: testPort(18_612), env });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([receiver?.stop(), server?.stop()]);
  await pushService?.close();
});

/**
 * The barrier for "no push": a message's outbox row is deleted in the statement that queues its
 * pushes, and a job stays in push_jobs until its send is over.
 */
async function expectNoPushQueued(messageId: string) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await expect
      .poll(async () => (await db.query('SELECT 1 FROM message_outbox WHERE event_id = $1', [messageId])).rowCount, { timeout: 15_000 })
      .toBe(0);
    expect((await db.query('SELECT 1 FROM push_jobs')).rowCount).toBe(0);
  } finally {
    await db.end();
  }
}

describe('presence across two bridge processes', () => {
  it('holds back pushes while the app is in the foreground on the other process', async () => {
    const { bookingId, customer, artist } = await newBooking(receiver.url);
    const customerApp = await connectApp(server.url, customer.id);
    const artistApp = await connectApp(receiver.url, artist.id, { role: 'artist' });
    clients.push(customerApp, artistApp);
    const subscription = pushService.subscribe(vapid.publicKey);
    expect((await customerApp.request('push:register', { kind: 'webpush', subscription })).ok).toBe(true);
    const pushes = () =>
      pushService.received.filter((p) => p.endpoint === subscription.endpoint).map((p) => JSON.parse(p.plaintext).messageId);

    const seen = expectOk(await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'you are looking at this' }));
    await customerApp.waitForMessage((m) => m.id === seen.message.id);
    await expectNoPushQueued(seen.message.id);
    expect(pushes()).toEqual([]);

    await customerApp.request('app:state', { state: 'background' });
    const missed = expectOk(await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'now in your pocket' }));
    await expect.poll(pushes, { timeout: 15_000 }).toEqual([missed.message.id]);
  });
});
