// Limits everywhere: every client event counts against a per-user limit of its class, and what a
// user can pile up (devices, blocks, open sockets, photos being decoded, upload bodies) is capped.
// Small limits here; other test files run with generous ones (support/bridge.ts).
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodeQueue } from '../../src/media/decode-queue.ts';
import { connectApp, type AppClient, expectOk } from '../support/app-client.ts';
import { newBooking, putBooking, uniqueId } from '../support/booking-system.ts';
import { startBridge, type TestBridge } from '../support/bridge.ts';
import { noiseJpeg } from '../support/images.ts';
import { uploadImage } from '../support/media-client.ts';
import { REDIS_URL } from '../support/services.ts';
import { tokenFor } from '../support/tokens.ts';

/** Tells the test when an upload has reached the queue (the held decode is the first to enter). */
class ObservedQueue extends DecodeQueue {
  entered = 0;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  override run<T>(decode: () => Promise<T>): Promise<T> {
    this.entered++;
    for (const waiter of this.waiters) if (this.entered >= waiter.count) waiter.resolve();
    return super.run(decode);
  }

  reached(count: number, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.entered >= count) return resolve();
      const timer = setTimeout(() => reject(new Error(`${this.entered} decodes entered the queue, not ${count}`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

const ENV = {
  REDIS_URL,
  RATE_LIMIT_READS: '5/1m',
  RATE_LIMIT_SIGNALS: '4/1m',
  RATE_LIMIT_BLOCKS: '6/1m',
  RATE_LIMIT_SETTINGS: '6/1m',
  RATE_LIMIT_UPLOADS: '2/1m',
  RATE_LIMIT_CONNECTIONS: '12/1m',
  PUSH_MAX_DEVICES: '3',
  BLOCKS_MAX: '2',
  MAX_SOCKETS_PER_USER: '3',
};

const decodes = new ObservedQueue(1, 1);
let first: TestBridge;
let second: TestBridge;
const clients: AppClient[] = [];

beforeAll(async () => {
  first = await startBridge({ env: ENV, decodeQueue: decodes });
  // A second process of the same deployment: counts are shared through Redis.
  second = await startBridge({ env: ENV, databaseUrl: first.databaseUrl, receivesTransactions: false });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([second?.close(), first?.close()]);
});

async function app(bridge: TestBridge, userId: string, role: 'customer' | 'artist' = 'customer'): Promise<AppClient> {
  const client = await connectApp(bridge.url, userId, { role });
  clients.push(client);
  return client;
}

function expectRateLimited(answer: unknown): void {
  expect(answer).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  const { retryAfter } = (answer as { error: { retryAfter: number } }).error;
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('every event class has a per-user limit', () => {
  type Event = [name: string, payload: unknown];
  // Per class: the events that fill its limit (each counted, whatever its answer, so some are
  // malformed on purpose and sent raw), and one more that is refused.
  const classes: [string, (bookingId: string) => { filling: Event[]; refused: Event }][] = [
    [
      'reads',
      (b) => ({
        filling: [
          ['chats:list', {}],
          ['chat:history', { bookingId: b }],
          ['sync', {}],
          ['blocks:list', {}],
          ['sync', { since: 'x' }],
        ],
        refused: ['push:config', {}],
      }),
    ],
    [
      'signals',
      (b) => ({
        filling: [
          ['typing', { bookingId: b, typing: true }],
          ['app:state', { state: 'background' }],
          ['message:read', {}],
          ['typing', { bookingId: b, typing: false }],
        ],
        refused: ['message:read', { bookingId: b, messageId: '$x' }],
      }),
    ],
    [
      'blocks',
      () => ({
        filling: Array.from({ length: 6 }, (): Event => ['user:block', { userId: 'a-stranger' }]),
        refused: ['user:unblock', { userId: 'a-stranger' }],
      }),
    ],
    [
      'settings',
      (b) => ({
        filling: [
          ['chat:mute', { bookingId: b }],
          ['chat:unmute', { bookingId: b }],
          ['push:unregister', { deviceId: randomUUID() }],
          ['push:register', { kind: 'fcm', token: `fcm-${randomUUID()}` }],
          ['push:register', {}],
          ['chat:mute', {}],
        ],
        refused: ['push:register', { kind: 'fcm', token: `fcm-${randomUUID()}` }],
      }),
    ],
  ];

  it.each(classes)('%s: refused past the limit, across processes, for that user only', async (_class, events) => {
    const { bookingId, customer, artist } = await newBooking(first.url);
    const [onFirst, onSecond, other] = await Promise.all([
      app(first, customer.id),
      app(second, customer.id),
      app(first, artist.id, 'artist'),
    ]);
    const { filling, refused } = events(bookingId);
    for (const [i, [event, payload]] of filling.entries()) {
      const answer = await (i % 2 ? onSecond : onFirst).requestRaw(event, payload);
      expect(answer.ok || answer.error.code).not.toBe('rate_limited');
    }
    expectRateLimited(await onFirst.requestRaw(...refused));
    expectRateLimited(await onSecond.requestRaw(...refused));
    const answer = await other.requestRaw(...refused);
    expect(answer.ok || answer.error.code).not.toBe('rate_limited');
  });

  it('auth:refresh counts as a connection', async () => {
    const userId = uniqueId('refresher');
    const client = await app(first, userId);
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await client.request('auth:refresh', { token: await tokenFor(userId) }));
    // The handshake took one of the twelve.
    expect(answers.slice(0, 11).every((a) => a.ok)).toBe(true);
    expectRateLimited(answers[11]);
  });
});

describe('push devices', () => {
  const register = async (client: AppClient, token: string) => expectOk(await client.request('push:register', { kind: 'fcm', token }));

  it('are at most PUSH_MAX_DEVICES per user: registering one more removes the least recently registered', async () => {
    const userId = uniqueId('many-phones');
    const me = await app(first, userId);
    const tokens = Array.from({ length: 4 }, () => `fcm-${randomUUID()}`);
    const ids = [];
    for (const token of tokens.slice(0, 3)) ids.push((await register(me, token)).deviceId);
    // Registered again: the first is the most recent now.
    expect((await register(me, tokens[0]!)).deviceId).toBe(ids[0]);
    ids.push((await register(me, tokens[3]!)).deviceId);
    const rows = await first.app.db('devices').where({ user_id: userId }).select('id');
    expect(rows.map((r: { id: string }) => r.id).sort()).toEqual([ids[0], ids[2], ids[3]].sort());
  });

  it('change hands: a token another user registers is a new device of theirs, and the previous owner’s unregister still answers {}', async () => {
    const token = `fcm-${randomUUID()}`;
    const [previous, next] = await Promise.all([app(first, uniqueId('seller')), app(second, uniqueId('buyer'))]);
    const { deviceId: oldId } = await register(previous, token);
    const { deviceId: newId } = await register(next, token);
    expect(newId).not.toBe(oldId);
    expect(await first.app.db('devices').where({ address: token }).select('id', 'user_id')).toEqual([{ id: newId, user_id: next.userId }]);
    expect(await previous.request('push:unregister', { deviceId: oldId })).toEqual({ ok: true });
    // Nor can the previous owner remove it through the new id.
    expect(await previous.request('push:unregister', { deviceId: newId })).toEqual({ ok: true });
    expect(await first.app.db('devices').where({ id: newId }).first()).toBeDefined();
    // Nor through `replaces`: its old id is no longer its own.
    const { deviceId: again } = expectOk(await previous.request('push:register', { kind: 'fcm', token, replaces: oldId }));
    expect([oldId, newId]).not.toContain(again);
  });
});

describe('blocks', () => {
  it('are at most BLOCKS_MAX per user: one more is too_large until one is lifted', async () => {
    const customer = { id: uniqueId('Cust'), name: 'Ann' };
    const artists = Array.from({ length: 3 }, () => ({ id: uniqueId('art'), name: 'Bea' }));
    for (const artist of artists) await putBooking(first.url, uniqueId('bk'), { customer, artist, title: 'Make-up' });
    const me = await app(first, customer.id);
    const block = (i: number) => me.request('user:block', { userId: artists[i]!.id });
    expect(await block(0)).toEqual({ ok: true });
    expect(await block(1)).toEqual({ ok: true });
    expect(await block(2)).toMatchObject({ ok: false, error: { code: 'too_large' } });
    expect(await block(1)).toEqual({ ok: true });
    expect(await me.request('user:unblock', { userId: artists[0]!.id })).toEqual({ ok: true });
    expect(await block(2)).toEqual({ ok: true });
  });
});

describe('open sockets', () => {
  const attempt = async (bridge: TestBridge, userId: string) => {
    const token = await tokenFor(userId);
    return new Promise<{ socket: ReturnType<typeof io>; refusal?: { code: string; retryAfter: number } }>((resolve) => {
      const socket = io(bridge.url, { auth: { token }, transports: ['websocket'], reconnection: false });
      socket.on('connect', () => resolve({ socket }));
      socket.on('connect_error', (error) =>
        resolve({ socket, refusal: (error as unknown as { data: { code: string; retryAfter: number } }).data }),
      );
    });
  };

  it('are at most MAX_SOCKETS_PER_USER per user across processes: one more is refused at the handshake until one closes', async () => {
    const userId = uniqueId('many-tabs');
    const open = [await attempt(first, userId), await attempt(second, userId), await attempt(first, userId)];
    try {
      expect(open.map((o) => o.refusal)).toEqual([undefined, undefined, undefined]);
      const refused = await attempt(second, userId);
      refused.socket.close();
      expect(refused.refusal).toMatchObject({ code: 'rate_limited' });
      expect(refused.refusal!.retryAfter).toBeGreaterThan(0);
      expect((await attempt(first, uniqueId('someone-else'))).refusal).toBeUndefined();

      open.shift()!.socket.close();
      // The server learns of the close a moment later: try until it has (each try is one more connection).
      await expect
        .poll(
          async () => {
            const next = await attempt(second, userId);
            if (next.refusal) next.socket.close();
            else open.push(next);
            return next.refusal?.code;
          },
          { timeout: 10_000, interval: 100 },
        )
        .toBeUndefined();
    } finally {
      for (const o of open) o.socket.close();
    }
  });
});

interface EarlyAnswer {
  head: string;
  bodySent: number;
  bodyLength: number;
}

/**
 * Starts a 10 MB upload but sends only its first 64 kB, then waits: the answer and the
 * connection's close can only come before the body is read.
 */
function uploadStartedSlowly(bridge: TestBridge, bookingId: string, token: string | undefined): Promise<EarlyAnswer> {
  const bodyLength = 10 * 1024 * 1024 - 1024;
  const boundary = 'limits-test-boundary';
  const start = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    Buffer.alloc(64 * 1024, 0xff),
  ]);
  const head = [
    `POST /api/v1/bookings/${encodeURIComponent(bookingId)}/images HTTP/1.1`,
    `Host: 127.0.0.1:${bridge.port}`,
    ...(token ? [`Authorization: Bearer ${token}`] : []),
    `Content-Type: multipart/form-data; boundary=${boundary}`,
    `Content-Length: ${bodyLength}`,
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(bridge.port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and close before the body was sent (got ${JSON.stringify(answer)})`));
    }, 10_000);
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ head: answer, bodySent: start.length, bodyLength });
    });
    socket.write(`${head}\r\n\r\n`);
    socket.write(start);
  });
}

describe('an image upload', () => {
  it('is refused by membership, the rate limit or a missing token before its body is read', async () => {
    const { bookingId } = await newBooking(first.url);
    const stranger = await tokenFor(uniqueId('stranger'));
    const answers = [];
    for (const token of [stranger, stranger, stranger, undefined]) answers.push(await uploadStartedSlowly(first, bookingId, token));
    expect(answers.map((a) => a.head.split('\r\n')[0])).toEqual([
      'HTTP/1.1 403 Forbidden',
      'HTTP/1.1 403 Forbidden',
      'HTTP/1.1 429 Too Many Requests',
      'HTTP/1.1 401 Unauthorized',
    ]);
    expect(answers[2]!.head).toMatch(/\r\nRetry-After: \d+\r\n/i);
    for (const answer of answers) {
      expect(answer.head).toMatch(/\r\nConnection: close\r\n/i);
      expect(answer.bodySent).toBeLessThan(answer.bodyLength / 100);
    }
  });

  it('waits for a decode slot, and is refused unavailable before its body is read when the queue is full', async () => {
    const { bookingId, customer } = await newBooking(first.url);
    let release!: () => void;
    const held = decodes.run(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = uploadImage(first.url, bookingId, customer.id, await noiseJpeg(64, 48), { clientId: randomUUID() });
    // The held decode entered first, the upload second: it now waits for the slot.
    await decodes.reached(2);
    const refused = await uploadStartedSlowly(first, bookingId, await tokenFor(customer.id));
    expect(refused.head.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(refused.head).toMatch(/\r\nRetry-After: \d+\r\n/i);
    expect(refused.head).toMatch(/"code":"unavailable"/);
    release();
    await held;
    expect((await waiting).status).toBe(201);
  });
});
