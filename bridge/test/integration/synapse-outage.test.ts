// The homeserver unreachable from the bridge (its link cut, as a dead Synapse looks, or answered
// 502, as through a gateway whose Synapse died): the booking system's calls answer 503
// `unavailable` with Retry-After, never 500, and apps' sends `unavailable` with `retryAfter`;
// once it is back, the same calls succeed, once. A new booking between users the bridge knows
// needs no homeserver (a room made ahead): it is taken, and its sends wait for the homeserver.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { jsonRequest, newBooking, putBooking, uniqueId } from '../support/booking-system.ts';
import { useHarness } from '../support/harness.ts';
import { countByClientId, sendUntilAcknowledged, syncEverything } from '../support/outage-sends.ts';
import { startTcpLink, type TcpLink } from '../support/tcp-link.ts';

let link: TcpLink;
const harness = useHarness({
  bridge: async () => {
    link = await startTcpLink(inject('synapseUrl'));
    return { env: { SYNAPSE_URL: link.url } };
  },
});

afterAll(async () => {
  await link?.close();
});

const unavailable = { code: 'unavailable', retryAfter: expect.any(Number) };

describe('the homeserver unreachable', () => {
  it.each(['refused', 'bad-gateway'] as const)(
    'makes booking calls 503 with Retry-After and sends unavailable until it is back (%s)',
    { timeout: 120_000 },
    async (outage) => {
      const { bookingId, customer } = await newBooking(harness.bridge.url);
      const app = await harness.app(customer.id, 'customer');
      const newcomers = { customer: { id: uniqueId('Cust'), name: 'New Customer' }, artist: { id: uniqueId('art'), name: 'New Artist' } };
      const laterBooking = uniqueId('bk');

      await link.down(outage);
      const put = await putBooking(harness.bridge.url, laterBooking, newcomers);
      const system = await jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, {
        type: 'booking.confirmed',
      });
      for (const answer of [put, system]) {
        expect(answer.status).toBe(503);
        expect(answer.body.error).toMatchObject(unavailable);
        expect(answer.headers['retry-after']).toBe(String(answer.body.error.retryAfter));
      }
      const payload = { bookingId, clientId: randomUUID(), text: 'while the homeserver is away' };
      expect(await app.request('message:send', payload)).toMatchObject({ ok: false, error: unavailable });

      await link.up();
      expect((await putBooking(harness.bridge.url, laterBooking, newcomers)).status).toBe(201);
      expect((await putBooking(harness.bridge.url, laterBooking, newcomers)).status).toBe(200);
      await sendUntilAcknowledged(app, payload);
      expect(countByClientId(await syncEverything(app)).get(payload.clientId)).toBe(1);
    },
  );

  it(
    'takes a new booking between users it knows (a room made ahead), whose sends are unavailable until the homeserver is back',
    { timeout: 120_000 },
    async () => {
      const { customer, artist } = await newBooking(harness.bridge.url);
      await harness.bridge.app.roomPool.settled();
      const app = await harness.app(customer.id, 'customer');
      const bookingId = uniqueId('bk');
      const payload = { bookingId, clientId: randomUUID(), text: 'before the homeserver is back' };

      await link.down('refused');
      const put = await putBooking(harness.bridge.url, bookingId, { customer, artist });
      expect(put.status).toBe(201);
      const listed = await app.request('chats:list', {});
      expect(listed.ok && listed.chats.map((chat: { bookingId: string }) => chat.bookingId)).toContain(bookingId);
      expect(await app.request('message:send', payload)).toMatchObject({ ok: false, error: unavailable });

      await link.up();
      await sendUntilAcknowledged(app, payload);
      expect(countByClientId(await syncEverything(app)).get(payload.clientId)).toBe(1);
    },
  );
});
