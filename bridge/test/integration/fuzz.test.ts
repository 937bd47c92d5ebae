// Property-based fuzzing of every Socket.io client event and every REST route: more than
// 10,000 generated payloads (hostile values, and valid payloads with one field mutated, which
// reach the handlers past validation). Every answer carries a documented error code, never
// `internal` nor `unavailable`; the process stays alive; after each batch a normal message still
// gets through.
// A failure prints the FUZZ_SEED that replays it (other seeds explore further); FUZZ_SCALE=0.1
// runs a tenth of the payloads, for a quick pass.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, HTTP_STATUS, type ErrorCode } from '../../src/protocol/errors.ts';
import { connectApp, expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { startBridge, TEST_SERVICE_TOKEN, type TestBridge } from '../support/bridge.ts';
import { hostileString, hostileValue, payloadLike } from '../support/hostile-values.ts';
import { jpegWithGpsAndOrientation } from '../support/images.ts';
import { uploadImage } from '../support/media-client.ts';
import { headerSafe, percentEncoded, rawRequest, type RawAnswer } from '../support/raw-http.ts';
import { tokenFor } from '../support/tokens.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_251_001);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (count: number) => Math.max(1, Math.round(count * SCALE));
/** Generous: fuzzing must find wrong answers, not a slow machine. */
const BATCH_TIMEOUT_MS = 240_000;

let bridge: TestBridge;
type World = Awaited<ReturnType<typeof setUpWorld>>;
let world: World;
let payloads = 0;

async function setUpWorld() {
  const unlimited = '100000/1s';
  bridge = await startBridge({ env: { RATE_LIMIT_UPLOADS: unlimited, RATE_LIMIT_REPORTS: unlimited } });
  // The probe's members are never fuzzed: their message proves the bridge still works.
  const probe = await newBooking(bridge.url);
  const target = await newBooking(bridge.url);
  const upserted = await newBooking(bridge.url);
  const apps = {
    probeCustomer: await connectApp(bridge.url, probe.customer.id, { role: 'customer' }),
    probeArtist: await connectApp(bridge.url, probe.artist.id, { role: 'artist' }),
    fuzzer: await connectApp(bridge.url, target.customer.id, { role: 'customer' }),
    artist: await connectApp(bridge.url, target.artist.id, { role: 'artist' }),
  };
  const sent = expectOk(await apps.artist.request('message:send', { bookingId: target.bookingId, clientId: randomUUID(), text: 'hello' }));
  // The fuzzer's own messages: one to edit, one to delete.
  const say = async (text: string) =>
    expectOk(await apps.fuzzer.request('message:send', { bookingId: target.bookingId, clientId: randomUUID(), text })).message;
  const own = { toEdit: await say('mine to edit'), toDelete: await say('mine to delete') };
  const photo = await uploadImage(bridge.url, target.bookingId, target.customer.id, await jpegWithGpsAndOrientation());
  return {
    probe,
    target,
    upserted,
    apps,
    message: sent.message,
    own,
    imageUrl: new URL(photo.body.message.image.url),
    token: await tokenFor(target.customer.id),
  };
}

beforeAll(async () => {
  world = await setUpWorld();
});

afterAll(async () => {
  for (const app of Object.values(world?.apps ?? {})) app.close();
  await bridge?.close();
});

/**
 * Nothing is down here, so `unavailable` ("retry later") would be as wrong as `internal`: the
 * client would retry for ever what can never succeed.
 */
function expectDocumentedCode(code: unknown): void {
  expect(ERROR_CODES).toContain(code);
  expect(code).not.toBe('internal');
  expect(code).not.toBe('unavailable');
}

function expectSocketAnswer(ack: any): void {
  expect(typeof ack?.ok).toBe('boolean');
  if (ack.ok) return;
  expectDocumentedCode(ack.error?.code);
  expect(typeof ack.error.message).toBe('string');
}

function expectRestAnswer(answer: RawAnswer, success: number[]): void {
  if (success.includes(answer.status)) return;
  const body = JSON.parse(answer.body.toString('utf8'));
  expectDocumentedCode(body.error?.code);
  expect(answer.status).toBe(HTTP_STATUS[body.error.code as ErrorCode]);
}

async function expectAlive(): Promise<void> {
  expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);
}

/** One fuzzed call: the answer is checked by `check`, then the process must still answer. */
async function fuzzed(call: () => Promise<void>): Promise<void> {
  payloads += 1;
  await call();
  await expectAlive();
}

async function normalMessageGetsThrough(): Promise<void> {
  const { probe, apps } = world;
  const ack = expectOk(
    await apps.probeCustomer.request('message:send', { bookingId: probe.bookingId, clientId: randomUUID(), text: 'still here' }),
  );
  expect(ack.ok).toBe(true);
  await apps.probeArtist.waitForMessage((message) => message.id === ack.message.id);
}

/** One property over `numRuns` payloads, then the probe message. A failure names its seed. */
async function batch<T>(index: number, numRuns: number, arbitrary: fc.Arbitrary<T>, run: (value: T) => Promise<void>): Promise<void> {
  try {
    await fc.assert(
      fc.asyncProperty(arbitrary, (value) => fuzzed(() => run(value))),
      { numRuns: runs(numRuns), seed: SEED + index },
    );
  } catch (error) {
    // A counterexample can be a 65 kB string: keep the report (seed and path come first) readable.
    const report = (error as Error).message;
    const shown = report.length > 3000 ? `${report.slice(0, 3000)}… (${report.length} characters)` : report;
    (error as Error).message = `replay with FUZZ_SEED=${SEED}\n${shown}`;
    throw error;
  }
  await normalMessageGetsThrough();
}

const json = (shape: Record<string, fc.Arbitrary<unknown>>) => fc.record(shape) as fc.Arbitrary<Record<string, unknown>>;

/** Each client event with a valid payload for the fuzzing customer's own booking. */
function socketEvents(): [string, fc.Arbitrary<Record<string, unknown>>][] {
  const { target, message, own } = world;
  const bookingId = fc.constant(target.bookingId);
  const empty = json({});
  return [
    ['chats:list', empty],
    ['chat:history', json({ bookingId, before: fc.constantFrom(message.cursor, 'mx:t1-2_3'), limit: fc.integer({ min: 1, max: 100 }) })],
    [
      'message:send',
      json({
        bookingId,
        clientId: fc.uuid(),
        text: fc.constantFrom('hi', 'see you at 10'),
        replyTo: fc.constantFrom(message.id, own.toEdit.id),
      }),
    ],
    [
      'message:edit',
      json({ bookingId, messageId: fc.constantFrom(own.toEdit.id, message.id), text: fc.constantFrom('hi', 'see you at 11') }),
    ],
    ['message:delete', json({ bookingId, messageId: fc.constantFrom(own.toDelete.id, message.id) })],
    ['message:react', json({ bookingId, messageId: fc.constant(message.id), key: fc.constantFrom('👍', '❤️', '🇫🇷') })],
    ['message:unreact', json({ bookingId, messageId: fc.constant(message.id), key: fc.constantFrom('👍', '❤️', '🇫🇷') })],
    ['message:read', json({ bookingId, messageId: fc.constant(message.id) })],
    ['typing', json({ bookingId, typing: fc.boolean() })],
    ['sync', json({ since: fc.constantFrom('0', message.cursor), limit: fc.integer({ min: 1, max: 1000 }) })],
    ['message:report', json({ messageId: fc.constant(message.id), reason: fc.constant('spam') })],
    ['user:block', json({ userId: fc.constant(target.artist.id) })],
    ['user:unblock', json({ userId: fc.constant(target.artist.id) })],
    ['blocks:list', empty],
    ['push:register', json({ kind: fc.constant('fcm'), token: fc.constant(`fcm-${'t'.repeat(40)}`), replaces: fc.uuid() })],
    ['push:unregister', json({ deviceId: fc.uuid() })],
    ['push:config', empty],
    ['app:state', json({ state: fc.constantFrom('foreground', 'background') })],
    ['chat:mute', json({ bookingId, until: fc.constantFrom('2030-01-01T00:00:00Z', '2030-01-01T00:00:00+02:00') })],
    ['chat:unmute', json({ bookingId })],
    ['auth:refresh', json({ token: fc.constant(world.token) })],
  ];
}

/** The client events the protocol declares, read from its event map. */
function declaredEvents(): string[] {
  const source = readFileSync(new URL('../../src/protocol/events.ts', import.meta.url), 'utf8');
  const map = source.slice(
    source.indexOf('export interface ClientToServerEvents'),
    source.indexOf('export interface ServerToClientEvents'),
  );
  return [...map.matchAll(/^\s+'?([\w:]+)'?: \(/gm)].map((match) => match[1]!);
}

describe('every client event', () => {
  it('has a fuzz target', () => {
    expect(
      socketEvents()
        .map(([event]) => event)
        .sort(),
    ).toEqual(declaredEvents().sort());
  });

  it(
    'answers every generated payload with ok or a documented error, never internal or unavailable',
    { timeout: BATCH_TIMEOUT_MS * 2 },
    async () => {
      for (const [index, [event, valid]] of socketEvents().entries()) {
        await batch(index, 500, payloadLike(valid), async (payload) => {
          expect(world.apps.fuzzer.socket.connected).toBe(true);
          expectSocketAnswer(await world.apps.fuzzer.requestRaw(event, payload));
        });
      }
    },
  );

  it('survives unknown event names and payloads without an acknowledgement', { timeout: BATCH_TIMEOUT_MS }, async () => {
    const untyped = world.apps.fuzzer.socket as unknown as { emit(event: string, ...args: unknown[]): void };
    await batch(
      100,
      200,
      fc.tuple(fc.oneof(hostileString(), fc.constantFrom(...socketEvents().map(([event]) => event))), hostileValue()),
      async ([event, payload]) => {
        untyped.emit(event, payload);
      },
    );
  });
});

/** A request body: JSON of the value, or a string sent as it is (malformed JSON), under some content type. */
const body = (valid: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .tuple(
      payloadLike(valid),
      fc.boolean(),
      fc.constantFrom(
        'application/json',
        'application/json',
        'application/json',
        'text/plain',
        'application/json; charset=utf-16',
        'application/x-www-form-urlencoded',
      ),
    )
    .map(([value, raw, type]) => ({ text: raw && typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null'), type }));

/** A path segment: the valid one, a hostile one percent-encoded, or broken percent-encoding. */
const segment = (valid: string) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(encodeURIComponent(valid)) },
    { weight: 2, arbitrary: hostileString().map((text) => percentEncoded(text.slice(0, 300))) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%C0%AF', '%ED%A0%80', '%00', '..', '.', '%2e%2e%2f') },
  );

const serviceAuth = fc.oneof(
  { weight: 8, arbitrary: fc.constant(`Bearer ${TEST_SERVICE_TOKEN}`) },
  { weight: 1, arbitrary: hostileString().map((text) => headerSafe(`Bearer ${text}`)) },
);

describe('the booking system’s routes', () => {
  it('PUT /bookings/:id answers 200/201 or a documented error', { timeout: BATCH_TIMEOUT_MS }, async () => {
    const { upserted } = world;
    const party = (id: string) => json({ id: fc.constant(id), name: fc.constantFrom('Ann', 'Bea B.') });
    const valid = json({
      customer: party(upserted.customer.id),
      artist: party(upserted.artist.id),
      title: fc.constantFrom('Bridal make-up', 'Trial'),
      status: fc.constantFrom('confirmed', 'pending'),
      startsAt: fc.constantFrom('2030-05-01T10:00:00Z', '2030-05-01T10:00:00+02:00'),
    });
    await batch(200, 600, fc.tuple(segment(upserted.bookingId), body(valid), serviceAuth), async ([id, request, authorization]) => {
      const answer = await rawRequest(`${bridge.url}/api/v1/bookings/${id}`, {
        method: 'PUT',
        headers: { authorization, 'content-type': request.type },
        body: request.text,
      });
      expectRestAnswer(answer, [200, 201]);
    });
  });

  it('POST /bookings/:id/system-messages answers 201 or a documented error', { timeout: BATCH_TIMEOUT_MS }, async () => {
    const { target } = world;
    const valid = json({
      type: fc.constantFrom('booking.confirmed', 'booking.moved'),
      text: fc.constant('Your booking is confirmed'),
      data: json({ at: fc.constant('2030-05-01T10:00:00Z'), count: fc.integer() }),
    });
    const key = fc.oneof(fc.uuid(), hostileString().map(headerSafe), fc.constant(undefined));
    await batch(
      201,
      600,
      fc.tuple(segment(target.bookingId), body(valid), serviceAuth, key),
      async ([id, request, authorization, idempotencyKey]) => {
        const headers: Record<string, string> = { authorization, 'content-type': request.type };
        if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
        const answer = await rawRequest(`${bridge.url}/api/v1/bookings/${id}/system-messages`, {
          method: 'POST',
          headers,
          body: request.text,
        });
        expectRestAnswer(answer, [201]);
      },
    );
  });
});

describe('the booking system’s privacy routes', () => {
  it('GET /users/:id/export and DELETE /users/:id answer 200 or a documented error', { timeout: BATCH_TIMEOUT_MS }, async () => {
    // Exports of a real member; erasures only of a user that never existed (the world's users must stay).
    const request = fc.oneof(
      fc.record({ method: fc.constant('GET'), id: segment(world.target.customer.id), authorization: serviceAuth }),
      fc.record({ method: fc.constant('DELETE'), id: segment('never-existed'), authorization: serviceAuth }),
    );
    await batch(202, 300, request, async ({ method, id, authorization }) => {
      const path = method === 'GET' ? `/api/v1/users/${id}/export` : `/api/v1/users/${id}`;
      expectRestAnswer(await rawRequest(`${bridge.url}${path}`, { method, headers: { authorization } }), [200]);
    });
  });
});

const userAuth = () =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(`Bearer ${world.token}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: hostileString().map((text) => headerSafe(`Bearer ${text}`)) },
  );

function multipart(boundary: string, parts: { name: string; filename?: string; type?: string; content: Buffer }[]): Buffer {
  const chunks = parts.flatMap((part) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}\r\n` +
        `${part.type ? `Content-Type: ${part.type}\r\n` : ''}\r\n`,
    ),
    part.content,
    Buffer.from('\r\n'),
  ]);
  return Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]);
}

describe('the apps’ media routes', () => {
  it('POST /bookings/:id/images answers 201 or a documented error', { timeout: BATCH_TIMEOUT_MS }, async () => {
    const { target } = world;
    const photo = await jpegWithGpsAndOrientation();
    const image = fc.oneof(
      { weight: 1, arbitrary: fc.constant(photo) },
      { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: photo.length - 1 }).map((end) => photo.subarray(0, end)) },
    );
    const fields = payloadLike(json({ clientId: fc.uuid(), caption: fc.constant('this one') }));
    const form = fc.record({
      id: segment(target.bookingId),
      image,
      imageField: fc.oneof({ weight: 6, arbitrary: fc.constant('image') }, { weight: 1, arbitrary: hostileString().map(headerSafe) }),
      fields,
      extraParts: fc.integer({ min: 0, max: 8 }),
      type: fc.constantFrom(
        'multipart/form-data; boundary=B0undary',
        'multipart/form-data',
        'application/json',
        'multipart/form-data; boundary=',
      ),
      truncate: fc.boolean(),
      authorization: userAuth(),
    });
    await batch(300, 400, form, async (request) => {
      const values =
        request.fields !== null && typeof request.fields === 'object' ? Object.entries(request.fields) : [['caption', request.fields]];
      const parts = [
        { name: request.imageField, filename: 'IMG_1.jpg', type: 'image/jpeg', content: request.image },
        ...values.map(([name, value]) => ({
          name: headerSafe(String(name)),
          content: Buffer.from(typeof value === 'string' ? value : (JSON.stringify(value) ?? '')),
        })),
        ...Array.from({ length: request.extraParts }, (_, n) => ({ name: `extra${n}`, content: Buffer.from('x') })),
      ];
      const payload = multipart('B0undary', parts);
      const headers: Record<string, string> = { 'content-type': request.type };
      if (request.authorization) headers.authorization = request.authorization;
      const answer = await rawRequest(`${bridge.url}/api/v1/bookings/${request.id}/images`, {
        method: 'POST',
        headers,
        body: request.truncate ? payload.subarray(0, payload.length >> 1) : payload,
      });
      expectRestAnswer(answer, [201]);
    });
  });

  it('GET /media/… (image and thumbnail) answers 200 or a documented error', { timeout: BATCH_TIMEOUT_MS }, async () => {
    const { imageUrl } = world;
    const [, , , , bookingId, server, mediaId] = imageUrl.pathname.split('/') as string[];
    const query = (name: string) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(`${name}=${imageUrl.searchParams.get(name)}`) },
        { weight: 1, arbitrary: hostileString().map((text) => `${name}=${percentEncoded(text.slice(0, 300))}`) },
        { weight: 1, arbitrary: fc.constantFrom('', `${name}=1&${name}=2`, `${name}[a]=1`, `${name}`) },
      );
    const request = fc.record({
      bookingId: segment(decodeURIComponent(bookingId!)),
      server: segment(decodeURIComponent(server!)),
      mediaId: segment(decodeURIComponent(mediaId!)),
      thumbnail: fc.boolean(),
      user: query('user'),
      exp: query('exp'),
      sig: query('sig'),
      authorization: userAuth(),
    });
    await batch(400, 700, request, async (r) => {
      const path = `/api/v1/media/${r.bookingId}/${r.server}/${r.mediaId}${r.thumbnail ? '/thumbnail' : ''}?${r.user}&${r.exp}&${r.sig}`;
      const answer = await rawRequest(`${bridge.url}${path}`, { headers: r.authorization ? { authorization: r.authorization } : {} });
      expectRestAnswer(answer, [200]);
    });
  });
});

describe('the health routes', () => {
  it('answer 200 to GET (and OPTIONS) and a documented error otherwise', { timeout: BATCH_TIMEOUT_MS }, async () => {
    const request = fc.record({
      method: fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      path: fc.constantFrom('/healthz', '/readyz'),
      query: hostileString().map((text) => percentEncoded(text.slice(0, 200))),
    });
    await batch(500, 300, request, async ({ method, path, query }) => {
      const answer = await rawRequest(`${bridge.url}${path}?${query}`, { method });
      expectRestAnswer(answer, method === 'GET' || method === 'OPTIONS' ? [200] : []);
    });
  });
});

describe('the fuzzing itself', () => {
  it('drove at least 10,000 payloads', () => {
    expect(payloads).toBeGreaterThanOrEqual(runs(10_000));
  });
});
