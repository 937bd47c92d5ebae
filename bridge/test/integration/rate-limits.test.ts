// Flood control is per user and shared by every bridge process through Redis.
import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectApp, type AppClient, expectFailure, expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { freshDatabase, spawnBridge, type BridgeProcess } from '../support/bridge-process.ts';
import { REDIS_URL, testPort } from '../support/services.ts';
import { tokenFor } from '../support/tokens.ts';

let first: BridgeProcess;
let second: BridgeProcess;
const clients: AppClient[] = [];

beforeAll(async () => {
  const env = {
    DATABASE_URL: await freshDatabase(),
    REDIS_URL,
    RATE_LIMIT_MESSAGES: '5/1m',
    RATE_LIMIT_CONNECTIONS: '4/1m',
    RATE_LIMIT_REPORTS: '2/1h',
  };
  first = await spawnBridge({ port: testPort(18_501), appservicePort: inject('appservicePort'), env });
  second = await spawnBridge({ port: testPort(18_502), appservicePort: testPort(18_512), env });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([first?.stop(), second?.stop()]);
});

describe('rate limits across two bridge processes', () => {
  it('count one user’s sends on both processes together', async () => {
    const { bookingId, customer } = await newBooking(first.url);
    const onFirst = await connectApp(first.url, customer.id);
    const onSecond = await connectApp(second.url, customer.id);
    clients.push(onFirst, onSecond);
    const send = (client: AppClient) => client.request('message:send', { bookingId, clientId: randomUUID(), text: 'hi' });

    const results = [];
    for (let i = 0; i < 3; i++) results.push(await send(onFirst), await send(onSecond));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    const refused = expectFailure(results.at(-1)!);
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(refused.error.retryAfter).toBeGreaterThan(0);
    expect(refused.error.retryAfter).toBeLessThanOrEqual(60);

    // Another user is not affected.
    const { bookingId: other, customer: someoneElse } = await newBooking(first.url);
    const them = await connectApp(second.url, someoneElse.id);
    clients.push(them);
    expect((await them.request('message:send', { bookingId: other, clientId: randomUUID(), text: 'hi' })).ok).toBe(true);
  });

  it('refuse connection attempts over the limit at the handshake', async () => {
    const token = await tokenFor('connection-flooder');
    const attempt = (url: string) =>
      new Promise<{ code?: string; retryAfter?: number }>((resolve) => {
        const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false });
        socket.on('connect', () => {
          socket.disconnect();
          resolve({});
        });
        socket.on('connect_error', (error) => {
          socket.disconnect();
          resolve((error as unknown as { data: { code: string; retryAfter: number } }).data);
        });
      });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await attempt(first.url), await attempt(second.url));
    expect(outcomes.slice(0, 4)).toEqual([{}, {}, {}, {}]);
    expect(outcomes[4]).toMatchObject({ code: 'rate_limited' });
    expect(outcomes[5]!.retryAfter).toBeGreaterThan(0);
  });

  it('limit reports', async () => {
    const { bookingId, customer, artist } = await newBooking(first.url);
    const artistApp = await connectApp(first.url, artist.id, { role: 'artist' });
    const customerApp = await connectApp(second.url, customer.id);
    clients.push(artistApp, customerApp);
    const { message } = expectOk(await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'spam' }));
    const report = () => customerApp.request('message:report', { messageId: message.id, reason: 'spam' });
    expect((await report()).ok).toBe(true);
    expect((await report()).ok).toBe(true);
    expect(await report()).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });
});
