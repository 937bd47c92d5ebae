// Web Push end to end against a local push service that checks VAPID and decrypts the payload
// with the subscription's private key (see support/webpush-endpoint.ts).
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushEndpointPolicy } from '../../../src/push/push-endpoints.ts';
import type { PushMessage } from '../../../src/store/rows.ts';
import { WebPushSender } from '../../../src/push/webpush-sender.ts';
import { startWebPushEndpoint, type WebPushEndpoint } from '../../support/webpush-endpoint.ts';

const vapid = webpush.generateVAPIDKeys();
const subject = 'mailto:push@booking-chat.example';
let service: WebPushEndpoint;
let sender: WebPushSender;

const message: PushMessage = {
  title: 'Marta (customer)',
  body: 'Photo',
  bookingId: '7d7c6f1e-3c57-4a43-9b0e-1f0f3a0d6c11',
  messageId: '$event-2:chat.test',
  badge: 5,
  collapseKey: 'booking:7d7c6f1e-3c57-4a43-9b0e-1f0f3a0d6c11',
};

const pushesTo = (endpoint: string) => service.received.filter((push) => push.endpoint === endpoint);

beforeAll(async () => {
  service = await startWebPushEndpoint();
  sender = new WebPushSender({
    vapidPublicKey: vapid.publicKey,
    vapidPrivateKey: vapid.privateKey,
    subject,
    agent: service.agent,
    ttlSeconds: 600,
    // The service, and a port on the same host where nothing listens (an unreachable push service).
    endpoints: new PushEndpointPolicy([service.allowedHost, '127.0.0.1:1']),
  });
});

afterAll(async () => {
  await service?.close();
});

describe('sending a web push', () => {
  it("the payload decrypts, with the subscription's key, to the message as JSON", async () => {
    const subscription = service.subscribe(vapid.publicKey);
    expect(await sender.send(subscription, message)).toEqual({ ok: true });

    const [push] = pushesTo(subscription.endpoint);
    expect(JSON.parse(push?.plaintext ?? '')).toEqual(message);
    expect(push?.claims).toMatchObject({ aud: service.origin, sub: subject });
    expect(push?.headers).toMatchObject({ ttl: '600', urgency: 'high', 'content-encoding': 'aes128gcm' });
  });

  it('a burst in one chat shares one topic, so the push service keeps only the newest', async () => {
    const subscription = service.subscribe(vapid.publicKey);
    await sender.send(subscription, message);
    await sender.send(subscription, { ...message, messageId: '$event-3:chat.test' });
    await sender.send(subscription, { ...message, collapseKey: 'booking:another-chat' });

    const topics = pushesTo(subscription.endpoint).map((push) => push.headers.topic);
    expect(topics[0]).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(topics[1]).toBe(topics[0]);
    expect(topics[2]).not.toBe(topics[0]);
  });
});

describe('push service answers', () => {
  it('410 Gone means the subscription is gone', async () => {
    const subscription = service.subscribe(vapid.publicKey);
    service.answer(subscription.endpoint, 410);
    expect(await sender.send(subscription, message)).toEqual({ ok: false, gone: true, reason: 'webpush/410' });
  });

  it('404 Not Found means the subscription is gone', async () => {
    const subscription = service.subscribe(vapid.publicKey);
    service.answer(subscription.endpoint, 404);
    expect(await sender.send(subscription, message)).toMatchObject({ ok: false, gone: true });
  });

  it('429 keeps the subscription and retries after the Retry-After date', async () => {
    const subscription = service.subscribe(vapid.publicKey);
    service.answer(subscription.endpoint, 429, new Date(Date.now() + 90_000).toUTCString());
    const outcome = await sender.send(subscription, message);
    expect(outcome).toMatchObject({ ok: false, gone: false, reason: 'webpush/429' });
    const retryAfterMs = outcome.ok ? 0 : (outcome.retryAfterMs ?? 0);
    expect(retryAfterMs).toBeGreaterThan(85_000);
    expect(retryAfterMs).toBeLessThanOrEqual(90_000);
  });

  it('503 keeps the subscription and retries after the seconds it asks for', async () => {
    const subscription = service.subscribe(vapid.publicKey);
    service.answer(subscription.endpoint, 503, '20');
    expect(await sender.send(subscription, message)).toEqual({ ok: false, gone: false, retryAfterMs: 20_000, reason: 'webpush/503' });
  });

  it('a push signed with another VAPID key is refused, and that is not retried', async () => {
    const subscription = service.subscribe(webpush.generateVAPIDKeys().publicKey);
    const outcome = await sender.send(subscription, message);
    expect(outcome).toEqual({ ok: false, gone: false, reason: 'webpush/403' });
    expect(service.rejected.at(-1)).toMatchObject({ endpoint: subscription.endpoint, status: 403 });
  });

  it('an unreachable push service is retried later', async () => {
    const subscription = { ...service.subscribe(vapid.publicKey), endpoint: 'https://127.0.0.1:1/push/nowhere' };
    expect(await sender.send(subscription, message)).toMatchObject({
      ok: false,
      gone: false,
      retryAfterMs: 5_000,
      reason: 'webpush/ECONNREFUSED',
    });
  });

  it('a subscription whose keys cannot be encrypted to is gone without a request', async () => {
    const before = service.received.length + service.rejected.length;
    const broken = { endpoint: `${service.origin}/push/broken`, keys: { p256dh: 'AAAA', auth: 'AAAA' } };
    expect(await sender.send(broken, message)).toEqual({ ok: false, gone: true, reason: 'webpush/invalid-subscription' });
    expect(service.received.length + service.rejected.length).toBe(before);
  });

  it('an endpoint the allow-list does not name is gone without a request (a subscription stored before the policy)', async () => {
    const before = service.received.length + service.rejected.length;
    const elsewhere = { ...service.subscribe(vapid.publicKey), endpoint: 'https://127.0.0.1:9000/_matrix/app/v1/transactions/1' };
    expect(await sender.send(elsewhere, message)).toEqual({ ok: false, gone: true, reason: 'webpush/endpoint-not-allowed' });
    expect(service.received.length + service.rejected.length).toBe(before);
  });
});

describe('configuration', () => {
  it('a bad VAPID key or subject is refused at start-up', () => {
    const endpoints = new PushEndpointPolicy([service.allowedHost]);
    expect(() => new WebPushSender({ vapidPublicKey: 'short', vapidPrivateKey: vapid.privateKey, subject, endpoints })).toThrow();
    expect(
      () => new WebPushSender({ vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey, subject: 'push@example', endpoints }),
    ).toThrow();
  });
});
