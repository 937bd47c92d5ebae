// Push notifications for apps in the background: FCM through the real firebase-admin (its
// servers stood in for at the network boundary) and Web Push to a local push service that
// decrypts what it receives.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import type { Message } from '../../src/protocol/types.ts';
import type { AppClient } from '../support/app-client.ts';
import { expectOk } from '../support/app-client.ts';
import { jsonRequest, newBooking } from '../support/booking-system.ts';
import { startFcmStandIn, type FcmStandIn } from '../support/fcm-standin.ts';
import { startWebPushEndpoint, type WebPushEndpoint } from '../support/webpush-endpoint.ts';
import { generateVAPIDKeys } from 'web-push';

let fcm: FcmStandIn;
let pushService: WebPushEndpoint;
const vapid = generateVAPIDKeys();

const fcmToken = () => `fcm-${randomUUID()}-${'x'.repeat(40)}`;
/** The pushes FCM accepted for this token (the stand-in also records the ones it refused). */
const pushesTo = (token: string) => fcm.received.filter((m) => m.message.token === token && m.status === 200);
const attemptsTo = (token: string) => fcm.received.filter((m) => m.message.token === token).map((m) => m.status);

/**
 * The barrier for "no push": a message's outbox row is deleted in the statement that queues its
 * pushes, and a job stays in push_jobs until its send is over. Once the row is gone, no job for the
 * device and nothing received means the message was decided not to be pushed there.
 */
async function expectNoPush(messageId: string, deviceId: string, token: string) {
  const db = harness.bridge.app.db;
  await expect.poll(async () => (await db('message_outbox').where({ event_id: messageId })).length, { timeout: 15_000 }).toBe(0);
  expect(await db('push_jobs').where({ device_id: deviceId })).toEqual([]);
  expect(attemptsTo(token)).toEqual([]);
}

/** A chat whose customer has a phone (FCM) registered and their app in the background. */
async function chatWithBackgroundCustomer() {
  const booking = await newBooking(harness.bridge.url);
  const phone = await harness.app(booking.customer.id);
  const token = fcmToken();
  const { deviceId } = expectOk(await phone.request('push:register', { kind: 'fcm', token }));
  expect(await phone.request('app:state', { state: 'background' })).toEqual({ ok: true });
  const artistApp = await harness.app(booking.artist.id, 'artist');
  return { ...booking, phone, token, deviceId, artistApp };
}

const withKeys = (endpoint: string) => ({ endpoint, keys: { p256dh: 'A'.repeat(87), auth: 'A'.repeat(22) } });

async function send(client: AppClient, bookingId: string, text: string): Promise<Message> {
  return expectOk(await client.request('message:send', { bookingId, clientId: randomUUID(), text })).message;
}

const harness = useHarness({
  bridge: async () => {
    fcm = await startFcmStandIn();
    pushService = await startWebPushEndpoint();
    return {
      env: {
        FCM_SERVICE_ACCOUNT_FILE: fcm.serviceAccountFile,
        WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
        WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
        WEBPUSH_SUBJECT: 'mailto:ops@booking-chat.test',
        WEBPUSH_ALLOWED_HOSTS: pushService.allowedHost,
      },
      pushAgents: { fcm: fcm.agent, webPush: pushService.agent },
    };
  },
});

afterAll(async () => {
  await fcm?.close();
  await pushService?.close();
});

describe('FCM pushes', () => {
  it('carry the sender, a preview, the ids to open the chat, the unread badge and a collapse key per chat', async () => {
    const { bookingId, token, artistApp, artist } = await chatWithBackgroundCustomer();
    const first = await send(artistApp, bookingId, 'Running 5 minutes late, sorry!');
    await expect.poll(() => pushesTo(token).length, { timeout: 15_000 }).toBe(1);
    const second = await send(artistApp, bookingId, 'Here now');
    await expect.poll(() => pushesTo(token).length, { timeout: 15_000 }).toBe(2);

    const [a, b] = pushesTo(token).map((m) => m.message);
    expect(a).toMatchObject({
      notification: { title: artist.name, body: 'Running 5 minutes late, sorry!' },
      data: { bookingId, messageId: first.id },
      android: { collapse_key: `booking-${bookingId}`, notification: { tag: `booking-${bookingId}`, notification_count: 1 } },
      apns: { headers: { 'apns-collapse-id': `booking-${bookingId}` }, payload: { aps: { badge: 1, 'thread-id': bookingId } } },
    });
    expect(b).toMatchObject({ data: { messageId: second.id }, apns: { payload: { aps: { badge: 2 } } } });
  });

  it('never go to the sender, to an app in the foreground, or for a muted chat; system messages notify too', async () => {
    const { bookingId, phone, token, deviceId, artistApp } = await chatWithBackgroundCustomer();
    const artistToken = fcmToken();
    await artistApp.request('push:register', { kind: 'fcm', token: artistToken });
    await artistApp.request('app:state', { state: 'background' });

    await phone.request('app:state', { state: 'foreground' });
    await expectNoPush((await send(artistApp, bookingId, 'seen in the app')).id, deviceId, token);

    await phone.request('app:state', { state: 'background' });
    await phone.request('chat:mute', { bookingId });
    await expectNoPush((await send(artistApp, bookingId, 'muted')).id, deviceId, token);
    await phone.request('chat:unmute', { bookingId });

    // The sender is the customer here: their own phone gets nothing, the artist's does.
    await send(phone, bookingId, 'from the customer');
    await expect.poll(() => pushesTo(artistToken).length, { timeout: 15_000 }).toBe(1);
    expect(pushesTo(token)).toHaveLength(0);

    const system = await jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, {
      type: 'booking.confirmed',
    });
    await expect.poll(() => pushesTo(token).length, { timeout: 15_000 }).toBe(1);
    expect(pushesTo(token)[0]!.message).toMatchObject({
      notification: { title: 'Booking', body: 'Booking confirmed' },
      data: { messageId: system.body.message.id },
    });
  });

  it('reach a user with no connection at all, and stop with the chat muted until later', async () => {
    const { bookingId, phone, token, deviceId, artistApp } = await chatWithBackgroundCustomer();
    await phone.request('chat:mute', { bookingId, until: new Date(Date.now() + 3_600_000).toISOString() });
    await expectNoPush((await send(artistApp, bookingId, 'muted for an hour')).id, deviceId, token);
    await phone.request('chat:mute', { bookingId, until: new Date(Date.now() - 1000).toISOString() });
    phone.close();
    await send(artistApp, bookingId, 'while you are away');
    await expect.poll(() => pushesTo(token).length, { timeout: 15_000 }).toBe(1);
  });

  it('remove a device whose token FCM says is unregistered', async () => {
    const { bookingId, token, deviceId, artistApp } = await chatWithBackgroundCustomer();
    fcm.failFor(token, 'UNREGISTERED');
    await send(artistApp, bookingId, 'anyone?');
    await expect.poll(async () => (await harness.bridge.app.db('devices').where({ id: deviceId })).length, { timeout: 15_000 }).toBe(0);
    expect(await harness.bridge.app.db('push_jobs').where({ device_id: deviceId })).toEqual([]);
  });

  it('retry quota and unavailable answers with backoff, delivering once', async () => {
    const { bookingId, token, artistApp } = await chatWithBackgroundCustomer();
    fcm.failFor(token, 'QUOTA_EXCEEDED', { retryAfter: '1', times: 1 });
    const message = await send(artistApp, bookingId, 'retry me');
    await expect.poll(() => pushesTo(token).length, { timeout: 20_000 }).toBe(1);
    // The barrier: a delivered job leaves push_jobs, after which nothing can send it again.
    await expect.poll(async () => (await harness.bridge.app.db('push_jobs').count('* as n'))[0]!.n, { timeout: 20_000 }).toBe('0');
    expect(attemptsTo(token)).toEqual([429, 200]);
    expect(pushesTo(token).map((m) => (m.message.data as { messageId?: string }).messageId)).toEqual([message.id]);
  });
});

describe('Web Push', () => {
  it('delivers an encrypted payload the browser can read, and drops a gone subscription', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const browserTab = await harness.app(customer.id);
    expect(await browserTab.request('push:config')).toEqual({ ok: true, webPushPublicKey: vapid.publicKey });
    const subscription = pushService.subscribe(vapid.publicKey);
    const { deviceId } = expectOk(await browserTab.request('push:register', { kind: 'webpush', subscription }));
    browserTab.close();

    const artistApp = await harness.app(artist.id, 'artist');
    const message = await send(artistApp, bookingId, 'Photo of the look coming');
    await expect.poll(() => pushService.received.filter((p) => p.endpoint === subscription.endpoint).length, { timeout: 15_000 }).toBe(1);
    const push = pushService.received.find((p) => p.endpoint === subscription.endpoint)!;
    expect(JSON.parse(push.plaintext)).toMatchObject({
      title: artist.name,
      body: 'Photo of the look coming',
      bookingId,
      messageId: message.id,
      badge: 1,
    });
    expect(push.claims.sub).toBe('mailto:ops@booking-chat.test');

    pushService.answer(subscription.endpoint, 410);
    await send(artistApp, bookingId, 'second');
    await expect.poll(async () => (await harness.bridge.app.db('devices').where({ id: deviceId })).length, { timeout: 15_000 }).toBe(0);
  });

  it.each([
    ['an http endpoint', { endpoint: 'http://push.example/x', keys: { p256dh: 'A'.repeat(87), auth: 'A'.repeat(22) } }],
    ['a short p256dh key', { endpoint: 'https://push.example/x', keys: { p256dh: 'AAAA', auth: 'A'.repeat(22) } }],
    ['no keys', { endpoint: 'https://push.example/x' }],
    // Server-side request forgery: the push worker would POST wherever the endpoint points.
    ['the appservice port', withKeys('https://127.0.0.1:9000/_matrix/app/v1/transactions/1')],
    ['a cloud metadata address', withKeys('https://169.254.169.254/latest/meta-data/')],
    ['a private network address', withKeys('https://10.0.0.1/push')],
    ['a loopback IPv6 address', withKeys('https://[::1]/push')],
    ['a host that is no push service', withKeys('https://push.example/x')],
  ])('refuses a subscription with %s', async (_label, subscription) => {
    const me = await harness.app('web-user');
    expect(await me.requestRaw('push:register', { kind: 'webpush', subscription })).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
  });
});

describe('devices', () => {
  it('can be replaced (a refreshed token) and removed', async () => {
    const me = await harness.app('device-owner');
    const { deviceId } = expectOk(await me.request('push:register', { kind: 'fcm', token: fcmToken() }));
    const refreshed = fcmToken();
    expect(await me.request('push:register', { kind: 'fcm', token: refreshed, replaces: deviceId })).toEqual({ ok: true, deviceId });
    expect((await harness.bridge.app.db('devices').where({ id: deviceId }).first()).address).toBe(refreshed);
    expect(await me.request('push:register', { kind: 'fcm', token: refreshed })).toEqual({ ok: true, deviceId });
    expect(await me.request('push:unregister', { deviceId })).toEqual({ ok: true });
    // Idempotent: a device already gone is as unregistered as one removed now.
    expect(await me.request('push:unregister', { deviceId })).toEqual({ ok: true });
    expect(await me.requestRaw('push:register', { kind: 'apns', token: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });
});
