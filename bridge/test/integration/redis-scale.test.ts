// Several bridge processes behind a load balancer: with REDIS_URL set, Socket.io's Redis
// adapter carries every event to the sockets connected to the other processes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectApp, type AppClient, expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { freshDatabase, spawnBridge, type BridgeProcess } from '../support/bridge-process.ts';
import { REDIS_URL, testPort } from '../support/services.ts';

let first: BridgeProcess;
let second: BridgeProcess;
const clients: AppClient[] = [];

beforeAll(async () => {
  const env = { DATABASE_URL: await freshDatabase(), REDIS_URL };
  // Synapse pushes transactions to the first; the second only serves apps.
  first = await spawnBridge({ port: testPort(18_301), appservicePort: inject('appservicePort'), env });
  second = await spawnBridge({ port: testPort(18_302), appservicePort: testPort(18_312), env });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([first?.stop(), second?.stop()]);
});

describe('two bridge processes sharing Redis', () => {
  it('deliver a message sent through one to a client connected to the other, both ways', async () => {
    const { bookingId, customer, artist } = await newBooking(first.url);
    const customerOnSecond = await connectApp(second.url, customer.id, { role: 'customer' });
    const artistOnFirst = await connectApp(first.url, artist.id, { role: 'artist' });
    const artistOnSecond = await connectApp(second.url, artist.id, { role: 'artist' });
    clients.push(customerOnSecond, artistOnFirst, artistOnSecond);

    const sent = expectOk(
      await customerOnSecond.request('message:send', { bookingId, clientId: randomUUID(), text: 'via the second process' }),
    );
    expect(sent).toMatchObject({ ok: true });
    for (const device of [artistOnFirst, artistOnSecond]) {
      expect(await device.waitForMessage((m) => m.id === sent.message.id)).toEqual(sent.message);
    }

    const reply = expectOk(await artistOnFirst.request('message:send', { bookingId, clientId: randomUUID(), text: 'via the first' }));
    expect(await customerOnSecond.waitForMessage((m) => m.id === reply.message.id)).toEqual(reply.message);
  });
});
