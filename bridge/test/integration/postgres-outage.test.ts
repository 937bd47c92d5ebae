// The bridge's PostgreSQL stopped and started under load, on a cluster of this test's own.
// Meanwhile every ack and every REST answer that needs the database is `unavailable` with
// `retryAfter` (never `internal`), and connections are still accepted. Afterwards the apps send
// their unacknowledged messages again with the same clientIds, and `sync` holds every
// acknowledged or retried message exactly once.
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
  let customer: AppClient;
  let artist: AppClient;

  beforeAll(async () => {
    const booking = await newBooking(harness.bridge.url);
    bookingId = booking.bookingId;
    customer = await harness.app(booking.customer.id, 'customer');
    artist = await harness.app(booking.artist.id, 'artist');
  });

  it('answers unavailable meanwhile and loses or doubles nothing once it is back', { timeout: 180_000 }, async () => {
    const payload = (text: string): SendPayload => ({ bookingId, clientId: randomUUID(), text });
    const acknowledged = new Set<string>();
    const unacknowledged: { client: AppClient; message: SendPayload }[] = [];
    const refusals: Ack[] = [];
    const send = async (client: AppClient, message: SendPayload) => {
      const ack = await client.request<Ack>('message:send', message);
      if (ack.ok) acknowledged.add(message.clientId);
      else {
        refusals.push(ack);
        unacknowledged.push({ client, message });
      }
    };

    for (let i = 0; i < 3; i++) await send(customer, payload(`before ${i}`));
    expect(acknowledged.size).toBe(3);

    // Sends in flight while the server goes down: some are acknowledged, the rest unavailable.
    const inFlight = Array.from({ length: 10 }, (_, i) => send(i % 2 ? customer : artist, payload(`in flight ${i}`)));
    await cluster.stop();
    await Promise.all(inFlight);

    for (let i = 0; i < 3; i++) await send(artist, payload(`during ${i}`));
    for (const refusal of refusals) expect(refusal, JSON.stringify(refusals)).toMatchObject(unavailable);
    expect(await customer.request('chat:history', { bookingId })).toMatchObject(unavailable);
    expect(await customer.request('sync', {})).toMatchObject(unavailable);
    // A new connection is accepted (the handshake needs no database), and told unavailable.
    const newcomer = await harness.app(artist.userId, 'artist');
    expect(await newcomer.request('chats:list', {})).toMatchObject(unavailable);

    const put = await putBooking(harness.bridge.url, uniqueId('bk'), { customer: { id: uniqueId('c'), name: 'C' }, artist: { id: uniqueId('a'), name: 'A' } });
    const system = await jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, { type: 'booking.confirmed' });
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
    // An acknowledged message sent again is the same message.
    const [first] = acknowledged;
    const again = await customer.request<Ack>('message:send', { bookingId, clientId: first, text: 'before 0' });
    expect(again).toMatchObject({ ok: true, message: { clientId: first } });

    const counts = countByClientId(await syncEverything(artist));
    expect(acknowledged.size).toBe(16);
    for (const clientId of acknowledged) expect(counts.get(clientId), clientId).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
