// FCM pushes go through firebase-admin's real code path: OAuth2 sign-in with the service account,
// then the FCM v1 messages:send call. Only the network is fake (see support/fcm-standin.ts).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FcmSender } from '../../../src/push/fcm-sender.ts';
import type { PushMessage } from '../../../src/store/rows.ts';
import { startFcmStandIn, type FcmStandIn } from '../../support/fcm-standin.ts';

let fcm: FcmStandIn;
let sender: FcmSender;

const message: PushMessage = {
  title: 'Anna (make-up artist)',
  body: "I'm 5 minutes late",
  bookingId: 'booking-42',
  messageId: '$event-1:chat.test',
  badge: 3,
  collapseKey: 'booking-42',
};

const sentTo = (token: string) => fcm.received.filter((request) => request.message.token === token);

beforeAll(async () => {
  fcm = await startFcmStandIn();
  sender = new FcmSender({ serviceAccount: { file: fcm.serviceAccountFile }, httpAgent: fcm.agent, ttlSeconds: 600 });
});

afterAll(async () => {
  await sender?.close();
  await fcm?.close();
});

describe('sending a push through FCM', () => {
  it('delivers the title, the preview, the chat to open, the badge and the collapse key', async () => {
    expect(await sender.send('token-delivered', message)).toEqual({ ok: true });

    const [request] = sentTo('token-delivered');
    expect(request?.servername).toBe('fcm.googleapis.com');
    expect(request?.projectId).toBe(fcm.projectId);
    expect(request?.message).toMatchObject({
      token: 'token-delivered',
      notification: { title: message.title, body: message.body },
      data: { bookingId: 'booking-42', messageId: '$event-1:chat.test' },
      android: {
        collapse_key: 'booking-42',
        priority: 'high',
        ttl: '600s',
        notification: { tag: 'booking-42', notification_count: 3 },
      },
      apns: {
        headers: { 'apns-collapse-id': 'booking-42', 'apns-priority': '10' },
        payload: { aps: { badge: 3, 'thread-id': 'booking-42' } },
      },
    });
    const expiresAt = Number((request?.message.apns as { headers: Record<string, string> }).headers['apns-expiration']);
    expect(expiresAt - Date.now() / 1000).toBeGreaterThan(590);
    expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(600);
  });

  it('signs in with the service account once and reuses the access token', async () => {
    await sender.send('token-a', message);
    await sender.send('token-b', message);
    expect(fcm.tokensIssued()).toBe(1);
    expect(fcm.unauthorized()).toBe(0);
  });

  it('squeezes a collapse key longer than APNs allows into its 64 bytes', async () => {
    const collapseKey = `booking-${'x'.repeat(80)}`;
    expect(await sender.send('token-long-key', { ...message, collapseKey })).toEqual({ ok: true });
    const apns = sentTo('token-long-key')[0]?.message.apns as { headers: Record<string, string> };
    expect(apns.headers['apns-collapse-id']).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(sentTo('token-long-key')[0]?.message.android).toMatchObject({ collapse_key: collapseKey });
  });
});

describe('FCM error answers', () => {
  it('an unregistered token means the device is gone', async () => {
    fcm.failFor('token-uninstalled', 'UNREGISTERED');
    expect(await sender.send('token-uninstalled', message)).toEqual({
      ok: false,
      gone: true,
      reason: 'messaging/registration-token-not-registered (404)',
    });
  });

  it('a token FCM calls invalid means the device is gone', async () => {
    fcm.failFor('token-garbled', 'INVALID_TOKEN');
    expect(await sender.send('token-garbled', message)).toMatchObject({ ok: false, gone: true });
  });

  it('quota exceeded keeps the device and retries after the Retry-After FCM gave', async () => {
    fcm.failFor('token-busy', 'QUOTA_EXCEEDED', { retryAfter: '30' });
    expect(await sender.send('token-busy', message)).toEqual({
      ok: false,
      gone: false,
      retryAfterMs: 30_000,
      reason: 'messaging/message-rate-exceeded (429)',
    });
    expect(sentTo('token-busy')).toHaveLength(1);
  });

  it('quota exceeded without a Retry-After waits the minute FCM asks for', async () => {
    fcm.failFor('token-busy-2', 'QUOTA_EXCEEDED');
    expect(await sender.send('token-busy-2', message)).toMatchObject({ ok: false, gone: false, retryAfterMs: 60_000 });
  });

  it('unavailable with a long Retry-After comes back to be retried later, sent once', async () => {
    fcm.failFor('token-outage', 'UNAVAILABLE', { retryAfter: '120' });
    expect(await sender.send('token-outage', message)).toEqual({
      ok: false,
      gone: false,
      retryAfterMs: 120_000,
      reason: 'messaging/server-unavailable (503)',
    });
    expect(sentTo('token-outage')).toHaveLength(1);
  });

  it('a brief outage is ridden out by firebase-admin itself, and the push is delivered once', async () => {
    fcm.failFor('token-blip', 'UNAVAILABLE', { retryAfter: '1', times: 1 });
    expect(await sender.send('token-blip', message)).toEqual({ ok: true });
    expect(sentTo('token-blip').map((request) => request.status)).toEqual([503, 200]);
  });

  it('an internal FCM error is retried later', async () => {
    fcm.failFor('token-internal', 'INTERNAL');
    expect(await sender.send('token-internal', message)).toMatchObject({ ok: false, gone: false, retryAfterMs: 5_000 });
  });
});

describe('credentials', () => {
  it('a key the token endpoint refuses sends nothing and keeps the device', async () => {
    const account = JSON.parse(fcm.serviceAccountJson) as Record<string, string>;
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const file = join(mkdtempSync(join(tmpdir(), 'bookingchat-fcm-')), 'impostor.json');
    writeFileSync(file, JSON.stringify({ ...account, private_key: otherKey }), { mode: 0o600 });
    const impostor = new FcmSender({ serviceAccount: { file }, httpAgent: fcm.agent });
    try {
      const outcome = await impostor.send('token-impostor', message);
      expect(outcome).toMatchObject({ ok: false, gone: false, reason: 'app/invalid-credential' });
      expect(sentTo('token-impostor')).toHaveLength(0);
    } finally {
      await impostor.close();
    }
  });

  it('a service account that is not JSON, lacks its key, or is missing is refused at start-up', () => {
    expect(() => new FcmSender({ serviceAccount: { json: 'not json' } })).toThrow(/not valid JSON/);
    expect(() => new FcmSender({ serviceAccount: { json: '{"project_id":"p","client_email":"e"}' } })).toThrow(/private_key/);
    expect(() => new FcmSender({ serviceAccount: { file: '/nonexistent/key.json' } })).toThrow(/cannot be read/);
  });

  it('an agent with the key given as JSON is refused, since firebase-admin would bypass it to sign in', () => {
    expect(() => new FcmSender({ serviceAccount: { json: fcm.serviceAccountJson }, httpAgent: fcm.agent })).toThrow(/as a file/);
  });
});
