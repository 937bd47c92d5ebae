// No poison event (issue #10): a string PostgreSQL cannot hold never stops the road. Apps and
// the booking system get `invalid` for it; strings from Matrix are stored made storable; an event
// the read model still refuses is set aside in dead_letters, counted, and delivery goes on.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { AppClient } from '../support/app-client.ts';
import { expectOk } from '../support/app-client.ts';
import { jsonRequest, newBooking, putBooking, uniqueId } from '../support/booking-system.ts';
import { useHarness } from '../support/harness.ts';

const harness = useHarness({ staff: true });

async function chat() {
  const booking = await newBooking(harness.bridge.url);
  const customer = await harness.app(booking.customer.id, 'customer');
  const artist = await harness.app(booking.artist.id, 'artist');
  return { ...booking, customerApp: customer, artistApp: artist };
}

/** A normal message from one app reaches the other: the road is not blocked. */
async function stillDelivers(bookingId: string, from: AppClient, to: AppClient): Promise<void> {
  const text = `still flowing ${randomUUID()}`;
  const ack = await from.request('message:send', { bookingId, clientId: randomUUID(), text });
  expect(ack.ok).toBe(true);
  await to.waitForMessage((m) => m.text === text, 10_000);
}

describe('strings from apps and the booking system', () => {
  it('U+0000 or a lone surrogate in message:send is invalid, and the next message is delivered at once', async () => {
    const { bookingId, customerApp, artistApp } = await chat();
    for (const text of ['nul \u0000 here', 'lone \ud800 surrogate']) {
      const ack = await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text });
      expect(ack).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/^text: /) } });
    }
    await stillDelivers(bookingId, customerApp, artistApp);
  });

  it('U+0000 in system-message data is 400 invalid, and the next message is delivered', async () => {
    const { bookingId, customerApp, artistApp } = await chat();
    const post = (data: unknown) =>
      jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, {
        type: 'booking.note',
        text: 'Note',
        data,
      });
    for (const data of [{ note: 'a\u0000b' }, { 'key\u0000': 1 }, { deep: [{ deeper: '\udfff' }] }]) {
      expect(await post(data)).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    }
    await stillDelivers(bookingId, artistApp, customerApp);
  });

  it('U+0000 or a lone surrogate in a report reason or a booking name is invalid', async () => {
    const { bookingId, customerApp, artistApp } = await chat();
    const sent = expectOk(await artistApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'hello' }));
    for (const reason of ['bad \u0000', 'bad \udc00']) {
      expect(await customerApp.request('message:report', { messageId: sent.message.id, reason })).toMatchObject({
        ok: false,
        error: { code: 'invalid' },
      });
    }
    for (const name of ['Ann \u0000', 'Ann \ud83d']) {
      const result = await putBooking(harness.bridge.url, uniqueId('bk'), {
        customer: { id: uniqueId('c'), name },
        artist: { id: uniqueId('a'), name: 'Bea' },
        title: 'x',
      });
      expect(result).toMatchObject({ status: 400, body: { error: { code: 'invalid', message: expect.stringMatching(/customer\.name/) } } });
    }
  });
});

describe('strings from Matrix', () => {
  it('staff text with U+0000 from matrix-js-sdk is stored made storable and delivered; the next message too', async () => {
    const { bookingId, roomId, customerApp, artistApp } = await chat();
    await harness.staffJoins(roomId);
    const { event_id } = await harness.staff.client.sendTextMessage(roomId, 'staff \u0000 nul');
    expect((await customerApp.waitForMessage((m) => m.id === event_id)).text).toBe('staff \uFFFD nul');
    await stillDelivers(bookingId, artistApp, customerApp);
  });
});

/** Puts a transaction to the bridge's appservice listener as Synapse does. */
async function pushTransaction(events: unknown[]): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${harness.bridge.appservicePort}/_matrix/app/v1/transactions/${uniqueId('txn')}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${harness.bridge.config.appservice.hsToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  return response.status;
}

const staffEvent = (roomId: string, body: string, overrides: Record<string, unknown> = {}) => ({
  event_id: `$${uniqueId('forged')}`,
  room_id: roomId,
  sender: `@staff_forged:${inject('serverName')}`,
  type: 'm.room.message',
  origin_server_ts: Date.now(),
  content: { msgtype: 'm.text', body },
  ...overrides,
});

describe('a transaction of several rooms', () => {
  it('stores each event in its own booking, whatever else the transaction holds (a room id PostgreSQL cannot hold, a room of no booking)', async () => {
    const first = await chat();
    const second = await chat();
    const inFirst = staffEvent(first.roomId, 'to the first booking');
    const inSecond = staffEvent(second.roomId, 'to the second booking');
    const unholdable = staffEvent('!nul\u0000room:example.org', 'nowhere');
    const unknown = staffEvent(`!${uniqueId('unknown')}:${inject('serverName')}`, 'no booking');
    expect(await pushTransaction([inFirst, unholdable, unknown, inSecond])).toBe(200);
    await first.customerApp.waitForMessage((m) => m.id === inFirst.event_id);
    await second.customerApp.waitForMessage((m) => m.id === inSecond.event_id);
    expect(first.customerApp.received.some((m) => m.id === inSecond.event_id)).toBe(false);
  });
});

describe('an event the read model cannot store', () => {
  it('is set aside in dead_letters and counted, while the events after it are stored and delivered', async () => {
    const { bookingId, roomId, customerApp, artistApp } = await chat();
    // Year 271,822 BC: a valid JavaScript date, out of range for timestamptz (SQLSTATE 22008).
    const poison = staffEvent(roomId, 'from before time', { origin_server_ts: -8.64e15 });
    // Synapse's client API refuses an unpaired surrogate; a transaction could still carry one.
    const lone = staffEvent(roomId, 'lone \ud800 surrogate');
    // From the bot, system data too deep to be turned into a row.
    let data: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) data = { deeper: data };
    const deep = staffEvent(roomId, 'deep', {
      sender: `@bookingchat:${inject('serverName')}`,
      content: { msgtype: 'm.notice', body: 'deep', 'com.bookingchat.system': { type: 'booking.note', data } },
    });
    const good = staffEvent(roomId, 'after the poison');
    expect(await pushTransaction([poison, lone, deep, good])).toBe(200);

    expect((await customerApp.waitForMessage((m) => m.id === good.event_id)).text).toBe('after the poison');
    expect(customerApp.received.find((m) => m.id === lone.event_id)?.text).toBe('lone \uFFFD surrogate');
    const letters = await harness.bridge.app.db('dead_letters').where({ room_id: roomId }).orderBy('id');
    expect(letters).toMatchObject([
      { event_id: poison.event_id, sqlstate: expect.stringMatching(/^22/), attempts: 1, replayed_at: null },
      { event_id: deep.event_id, sqlstate: null, error: expect.stringMatching(/nested deeper/) },
    ]);
    expect(JSON.parse(letters[0].event)).toEqual(poison);
    expect(await (await fetch(`${harness.bridge.metricsUrl}/metrics`)).text()).toMatch(/^bookingchat_dead_letters_total [2-9]/m);
    await stillDelivers(bookingId, customerApp, artistApp);
  });

  it('can be replayed by an operator once its cause is gone, and is delivered then', async () => {
    const { roomId, customerApp } = await chat();
    const poison = staffEvent(roomId, 'replayed later', { origin_server_ts: -8.64e15 });
    expect(await pushTransaction([poison])).toBe(200);
    const letter = () => harness.bridge.app.db('dead_letters').where({ event_id: poison.event_id }).first();
    const { id } = await letter();

    const refused = await deadLettersCommand('replay', String(id));
    expect(refused).toMatchObject({ code: 1, stdout: expect.stringContaining(`#${id}: refused again`) });
    expect(await letter()).toMatchObject({ attempts: 2, replayed_at: null });

    // As after a fix: the event is now one the read model takes.
    await harness.bridge.app
      .db('dead_letters')
      .where({ id })
      .update({ event: JSON.stringify({ ...poison, origin_server_ts: Date.now() }) });
    expect((await deadLettersCommand('list')).stdout).toContain(`#${id} ${poison.event_id}`);
    expect(await deadLettersCommand('replay', String(id))).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`#${id}: replayed \\(replay-${id}-\\d+\\)`)),
    });
    expect((await customerApp.waitForMessage((m) => m.id === poison.event_id)).text).toBe('replayed later');
    expect((await letter()).replayed_at).toBeInstanceOf(Date);
    expect((await deadLettersCommand('list')).stdout).not.toContain(`#${id} `);
  });
});

/** `npm run dead-letters -- …` as an operator runs it, against this file's bridge. */
function deadLettersCommand(...args: string[]): Promise<{ code: number | null; stdout: string }> {
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    DATABASE_URL: harness.bridge.databaseUrl,
    HS_TOKEN: harness.bridge.config.appservice.hsToken,
    APPSERVICE_URL: `http://127.0.0.1:${harness.bridge.appservicePort}`,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/dead-letters.ts', ...args], { env, timeout: 30_000 }, (error, stdout) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout });
    });
  });
}

describe('input edges', () => {
  it('a cursor beyond PostgreSQL bigint and a garbage mx: cursor are invalid', async () => {
    const { bookingId, customerApp } = await chat();
    expect(await customerApp.request('sync', { since: '9999999999999999999' })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await customerApp.request('chat:history', { bookingId, before: '9999999999999999999' })).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
    expect(await customerApp.request('chat:history', { bookingId, before: 'mx:garbage' })).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
    expect(await customerApp.request('sync', { since: '9223372036854775807' })).toMatchObject({ ok: true });
  });
});
