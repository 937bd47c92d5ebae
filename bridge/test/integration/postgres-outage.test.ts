// The bridge's PostgreSQL stopped and started under load, on a cluster of this test's own.
// Meanwhile every ack and every REST answer that needs the database is `unavailable` with
// `retryAfter` (never `internal`), and connections are still accepted. Afterwards the apps send
// their unacknowledged messages again with the same clientIds, and `sync` holds every
// acknowledged or retried message exactly once; a message staff sent meanwhile (which Synapse
// has, but could not hand over) arrives when Synapse retries its transaction.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppClient } from '../support/app-client.ts';
import { jsonRequest, newBooking, putBooking, uniqueId } from '../support/booking-system.ts';
import { useHarness } from '../support/harness.ts';
import { countByClientId, sendUntilAcknowledged, syncEverything, type SendPayload } from '../support/outage-sends.ts';
import { privatePostgres, type PrivatePostgres } from '../support/private-postgres.ts';
import { testPort } from '../support/services.ts';

let cluster: PrivatePostgres;
const harness = useHarness({
  staff: true,
  bridge: async () => {
    cluster = await privatePostgres(testPort(18_860));
    return { databaseUrl: await cluster.createDatabase('bookingchat') };
  },
});

afterAll(async () => {
  await cluster?.remove();
});

type Ack = { ok: boolean; message?: { clientId?: string }; error?: { code: string; retryAfter?: number } };

const unavailable = { ok: false, error: { code: 'unavailable', retryAfter: expect.any(Number) } };

describe('PostgreSQL stopped and started', () => {
  let bookingId: string;
  let roomId: string;
  let customer: AppClient;
  let artist: AppClient;

  beforeAll(async () => {
    const booking = await newBooking(harness.bridge.url);
    bookingId = booking.bookingId;
    roomId = booking.roomId;
    await harness.staffJoins(roomId);
    customer = await harness.app(booking.customer.id, 'customer');
    artist = await harness.app(booking.artist.id, 'artist');
  });

  it('answers unavailable meanwhile and loses or doubles nothing once it is back', { timeout: 180_000 }, async () => {
    const payload = (text: string): SendPayload => ({ bookingId, clientId: randomUUID(), text });
    const acknowledged = new Set<string>();
    const unacknowledged: { client: AppClient; message: SendPayload }[] = [];
    const refusals: Ack[] = [];
    let sent = 0;
    const send = async (client: AppClient, message: SendPayload) => {
      sent++;
      const ack = await client.request('message:send', message);
      if (ack.ok) acknowledged.add(message.clientId);
      else {
        refusals.push(ack);
        unacknowledged.push({ client, message });
      }
    };

    for (let i = 0; i < 3; i++) await send(customer, payload(`before ${i}`));
    expect(acknowledged.size).toBe(3);

    // Sends in flight while the server goes down, a burst and one after another until it is
    // down, so that some meet it at each step (before Synapse has the event, or after): each is
    // acknowledged or refused as unavailable.
    let down = false;
    const stopping = cluster.stop().then(() => (down = true));
    const burst = Array.from({ length: 10 }, (_, i) => send(i % 2 ? customer : artist, payload(`burst ${i}`)));
    const oneByOne = (async () => {
      for (let i = 0; !down; i++) await send(i % 2 ? customer : artist, payload(`one by one ${i}`));
    })();
    await Promise.all([stopping, oneByOne, ...burst]);

    for (let i = 0; i < 3; i++) await send(artist, payload(`during ${i}`));
    // Synapse has this one, but its transaction cannot be stored: Synapse keeps retrying it.
    const fromStaff = (await harness.staff.client.sendTextMessage(roomId, 'support, while the database is down')).event_id;
    for (const refusal of refusals) expect(refusal, JSON.stringify(refusals)).toMatchObject(unavailable);
    expect(await customer.request('chat:history', { bookingId })).toMatchObject(unavailable);
    expect(await customer.request('sync', {})).toMatchObject(unavailable);
    // A new connection is accepted (the handshake needs no database), and told unavailable.
    const newcomer = await harness.app(artist.userId, 'artist');
    expect(await newcomer.request('chats:list', {})).toMatchObject(unavailable);

    const put = await putBooking(harness.bridge.url, uniqueId('bk'), {
      customer: { id: uniqueId('c'), name: 'C' },
      artist: { id: uniqueId('a'), name: 'A' },
    });
    const system = await jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, {
      type: 'booking.confirmed',
    });
    for (const answer of [put, system]) {
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
      expect(answer.headers['retry-after']).toBe(String(answer.body.error.retryAfter));
    }
    const ready = await fetch(`${harness.bridge.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.database).toBe('failing');

    await cluster.start();
    // The apps send what was not acknowledged again, with the same clientIds.
    for (const { client, message } of unacknowledged) {
      const stored = await sendUntilAcknowledged(client, message);
      acknowledged.add(stored.clientId!);
    }
    // Synapse retries the staff message's transaction (with its backoff) and it is stored.
    await artist.waitForMessage((m) => m.id === fromStaff, 120_000);
    // An acknowledged message sent again is the same message.
    const [first] = acknowledged;
    const again = await customer.request('message:send', { bookingId, clientId: first!, text: 'before 0' });
    expect(again).toMatchObject({ ok: true, message: { clientId: first } });

    const counts = countByClientId(await syncEverything(artist));
    expect(acknowledged.size).toBe(sent);
    for (const clientId of acknowledged) expect(counts.get(clientId), clientId).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
