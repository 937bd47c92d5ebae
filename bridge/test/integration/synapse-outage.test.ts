// The homeserver unreachable from the bridge (its link cut, as a dead Synapse looks, or answered
// 502, as through a gateway whose Synapse died): the booking system's calls answer 503
// `unavailable` with Retry-After, never 500, and apps' sends `unavailable` with `retryAfter`;
// once it is back, the same calls succeed, once.
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
});
