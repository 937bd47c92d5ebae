// Bad input on every event and endpoint gets its documented error code, and the bridge keeps
// running: after each barrage, a valid message still goes through.
import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectApp, type AppClient, expectFailure } from '../support/app-client.ts';
import { newBooking, putBooking } from '../support/booking-system.ts';
import { startBridge, type TestBridge } from '../support/bridge.ts';
import { tokenFor } from '../support/tokens.ts';

let bridge: TestBridge;
let booking: Awaited<ReturnType<typeof newBooking>>;
let customer: AppClient;
let stranger: AppClient;

beforeAll(async () => {
  bridge = await startBridge();
  booking = await newBooking(bridge.url);
  customer = await connectApp(bridge.url, booking.customer.id, { role: 'customer' });
  stranger = await connectApp(bridge.url, 'stranger-1', { role: 'customer' });
});

afterAll(async () => {
  customer?.close();
  stranger?.close();
  await bridge?.close();
});

async function stillWorks(): Promise<void> {
  const health = await fetch(`${bridge.url}/healthz`);
  expect(health.status).toBe(200);
  const ack = await customer.request('message:send', { bookingId: booking.bookingId, clientId: randomUUID(), text: 'still here' });
  expect(ack.ok).toBe(true);
}

function connectError(token: unknown): Promise<{ message: string; data?: { code: string } }> {
  return new Promise((resolve, reject) => {
    const socket = io(bridge.url, { auth: { token }, transports: ['websocket'], reconnection: false });
    socket.on('connect', () => {
      socket.disconnect();
      reject(new Error('connected with a bad token'));
    });
    socket.on('connect_error', (error) => {
      socket.disconnect();
      resolve(error as never);
    });
  });
}

describe('the Socket.io handshake', () => {
  it.each([
    ['no token', async () => undefined],
    ['a malformed token', async () => 'abc.def.ghi'],
    ['an expired token', () => tokenFor('u1', { expiresIn: '-1m' })],
    ['a token signed with another secret', () => tokenFor('u1', { secret: 'another-secret-that-is-long-enough-xx' })],
    [
      'an unsigned token',
      async () =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u1', role: 'customer', exp: 4102444800 })).toString('base64url')}.`,
    ],
    ['a token with a bad role', () => tokenFor('u1', { claims: { role: 'admin' } })],
    ['a non-string token', async () => ({ nested: true })],
  ])('refuses %s with connect_error code unauthorized', async (_label, make) => {
    const error = await connectError(await make());
    expect(error.data?.code).toBe('unauthorized');
  });
});

describe('client events', () => {
  const validSend = () => ({ bookingId: booking.bookingId, clientId: randomUUID(), text: 'hello' });

  it.each([
    ['a number as bookingId', () => ({ ...validSend(), bookingId: 5 }), 'invalid'],
    ['no bookingId', () => ({ clientId: randomUUID(), text: 'x' }), 'invalid'],
    ['no clientId', () => ({ bookingId: booking.bookingId, text: 'x' }), 'invalid'],
    ['a clientId that is not a UUID', () => ({ ...validSend(), clientId: 'abc' }), 'invalid'],
    ['empty text', () => ({ ...validSend(), text: '' }), 'invalid'],
    ['whitespace-only text', () => ({ ...validSend(), text: '   ' }), 'invalid'],
    ['text as an object', () => ({ ...validSend(), text: { a: 1 } }), 'invalid'],
    ['text over the length limit', () => ({ ...validSend(), text: 'x'.repeat(4001) }), 'too_large'],
    ['a huge string', () => ({ ...validSend(), text: 'x'.repeat(60_000) }), 'too_large'],
    ['a bookingId with spaces', () => ({ ...validSend(), bookingId: 'a b' }), 'invalid'],
    ['an overlong bookingId', () => ({ ...validSend(), bookingId: 'b'.repeat(500) }), 'invalid'],
    ['an unknown booking', () => ({ ...validSend(), bookingId: 'no-such-booking' }), 'not_found'],
    ['a string payload', () => 'just a string', 'invalid'],
    ['a null payload', () => null, 'invalid'],
    ['an array payload', () => [1, 2], 'invalid'],
  ])('message:send with %s answers %s', async (_label, payload, code) => {
    const ack = await customer.requestRaw('message:send', payload());
    expect(ack).toMatchObject({ ok: false, error: { code } });
    expect(typeof expectFailure(ack).error.message).toBe('string');
  });

  it("refuses someone else's booking with forbidden", async () => {
    const send = expectFailure(await stranger.request('message:send', validSend()));
    expect(send.error.code).toBe('forbidden');
    const history = expectFailure(await stranger.request('chat:history', { bookingId: booking.bookingId }));
    expect(history.error.code).toBe('forbidden');
  });

  it.each([
    [{ bookingId: 'x', limit: 1000 }, 'invalid'],
    [{ bookingId: 'x', limit: 0 }, 'invalid'],
    [{ bookingId: 'x', limit: 'ten' }, 'invalid'],
    [{ bookingId: 'x', before: 'yesterday' }, 'invalid'],
    [{ bookingId: 'no-such-booking' }, 'not_found'],
  ])('chat:history with %o answers %s', async (payload, code) => {
    expect(await customer.requestRaw('chat:history', payload)).toMatchObject({ ok: false, error: { code } });
  });

  it('survives events without an acknowledgement and unknown events', async () => {
    const untyped = customer.socket as unknown as { emit(event: string, payload: unknown): void };
    untyped.emit('message:send', { bookingId: 5 });
    untyped.emit('no:such:event', {});
    await stillWorks();
  });

  it('closes only the offending connection on a frame over the size limit', async () => {
    const abuser = await connectApp(bridge.url, booking.customer.id, { role: 'customer' });
    const closed = new Promise((resolve) => abuser.socket.on('disconnect', resolve));
    abuser.socket.emit('message:send', { ...validSend(), text: 'x'.repeat(200_000) }, () => undefined);
    await closed;
    await stillWorks();
  });
});

describe('REST', () => {
  const body = { customer: { id: 'c-1', name: 'C' }, artist: { id: 'a-1', name: 'A' } };

  async function raw(path: string, init: RequestInit & { token?: string | null } = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.token !== null) headers.authorization = `Bearer ${init.token ?? 'test-service-token-0123456789'}`;
    const response = await fetch(`${bridge.url}${path}`, { ...init, headers });
    return { status: response.status, body: (await response.json()) as any };
  }

  it.each([
    ['no service token', null, 401, 'unauthorized'],
    ['a wrong service token', 'wrong-token-0123456789', 401, 'unauthorized'],
  ])('PUT /bookings with %s answers %i %s', async (_label, token, status, code) => {
    const result = await raw('/api/v1/bookings/b-auth', { method: 'PUT', body: JSON.stringify(body), token });
    expect(result).toMatchObject({ status, body: { error: { code } } });
  });

  it.each([
    ['malformed JSON', '/api/v1/bookings/b-x', '{"customer":', 400, 'invalid'],
    ['a number as customer id', '/api/v1/bookings/b-x', JSON.stringify({ ...body, customer: { id: 1, name: 'C' } }), 400, 'invalid'],
    ['no artist', '/api/v1/bookings/b-x', JSON.stringify({ customer: body.customer }), 400, 'invalid'],
    // 128 upper-case letters are 256 once escaped for Matrix: past Synapse's 255 for a whole user id.
    [
      'a user id too long for Matrix',
      '/api/v1/bookings/b-x',
      JSON.stringify({ ...body, customer: { id: 'C'.repeat(128), name: 'C' } }),
      400,
      'invalid',
    ],
    ['the same customer and artist', '/api/v1/bookings/b-x', JSON.stringify({ ...body, artist: body.customer }), 400, 'invalid'],
    ['a bad startsAt', '/api/v1/bookings/b-x', JSON.stringify({ ...body, startsAt: 'tomorrow' }), 400, 'invalid'],
    ['a bad booking id', `/api/v1/bookings/${encodeURIComponent('a b')}`, JSON.stringify(body), 400, 'invalid'],
    ['a body over 64 kB', '/api/v1/bookings/b-x', JSON.stringify({ ...body, title: 'x'.repeat(70_000) }), 413, 'too_large'],
  ])('PUT /bookings with %s answers %i %s', async (_label, path, payload, status, code) => {
    expect(await raw(path, { method: 'PUT', body: payload })).toMatchObject({ status, body: { error: { code } } });
  });

  it('takes the longest user id Matrix has room for, into the room and out again', async () => {
    const longest = 'C'.repeat(100); // 200 once escaped (MAX_ESCAPED_USER_ID)
    const put = (customerId: string) => putBooking(bridge.url, 'b-longest', { ...body, customer: { id: customerId, name: 'C' } });
    expect((await put(longest)).status).toBe(201);
    const longCustomer = await connectApp(bridge.url, longest, { role: 'customer' });
    try {
      const ack = await longCustomer.request('message:send', { bookingId: 'b-longest', clientId: randomUUID(), text: 'hi' });
      expect(ack.ok).toBe(true);
    } finally {
      longCustomer.close();
    }
    // Replaced: kicked from the room.
    expect((await put('c-2')).status).toBe(200);
  });

  it('names the bad field', async () => {
    const result = await putBooking(bridge.url, 'b-x', { ...body, customer: { id: 1, name: 'C' } });
    expect(result.body.error.message).toMatch(/customer\.id/);
  });

  it('answers unknown routes with not_found', async () => {
    expect(await raw('/api/v1/nothing', { method: 'GET' })).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('lets only Synapse push transactions', async () => {
    const port = bridge.appservicePort;
    const push = (token: string, payload: string) =>
      fetch(`http://127.0.0.1:${port}/_matrix/app/v1/transactions/t1`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: payload,
      });
    expect((await push('wrong', '{"events":[]}')).status).toBe(403);
    expect((await push(bridge.config.appservice.hsToken!, '{"events":')).status).toBe(400);
    // Malformed events are skipped, not retried for ever.
    expect((await push(bridge.config.appservice.hsToken!, '{"events":[{"nonsense":true}]}')).status).toBe(200);
    await stillWorks();
  });
});
