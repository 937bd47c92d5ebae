// A sent event Synapse does not deliver is fetched back from it. Here no bridge process listens
// where Synapse sends its transactions (the process receiving them is down, as Synapse sees it
// when it lost one too): a send, a system message, an edit, a reaction, its removal and a deletion
// are still acknowledged and reach the other member live, because the room they wait on is
// compared with Synapse's history.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AppClient } from '../support/app-client.ts';
import { expectOk } from '../support/app-client.ts';
import { jsonRequest, newBooking } from '../support/booking-system.ts';
import { useHarness } from '../support/harness.ts';
import { metricValue } from '../support/metrics.ts';

const harness = useHarness({ bridge: async () => ({ receivesTransactions: false }) });

/** The next `event` the app gets. */
function next<E extends 'message:edited' | 'message:deleted' | 'reaction'>(app: AppClient, event: E) {
  return new Promise((resolve) => app.socket.once(event, resolve as never));
}

function stalledRooms(outcome: string): Promise<number> {
  return metricValue(harness.bridge.metricsUrl, `bookingchat_stalled_rooms_total{outcome="${outcome}"}`);
}

describe('a send whose event Synapse does not deliver', () => {
  it('is stored from the room’s history: acknowledged, live to the other member, once', { timeout: 60_000 }, async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');

    const clientId = randomUUID();
    const [ack, system] = await Promise.all([
      customerApp.request('message:send', { bookingId, clientId, text: 'see you at 10' }),
      jsonRequest('POST', `${harness.bridge.url}/api/v1/bookings/${bookingId}/system-messages`, { type: 'booking.confirmed' }),
    ]);
    const { message } = expectOk(ack);
    expect(message).toMatchObject({ clientId, text: 'see you at 10' });
    expect(system.status).toBe(201);
    await artistApp.waitForMessage((m) => m.id === message.id);
    await artistApp.waitForMessage((m) => m.id === system.body.message.id);
    expect(await stalledRooms('repaired')).toBeGreaterThanOrEqual(1);

    // The retry of an acknowledged send answers the same message; nothing was stored twice.
    expect(expectOk(await customerApp.request('message:send', { bookingId, clientId, text: 'see you at 10' })).message.id).toBe(message.id);
    const { messages } = expectOk(await artistApp.request('sync', { since: '0' }));
    const synced = messages.filter((m) => m.bookingId === bookingId).map((m) => m.id);
    expect(synced.sort()).toEqual([message.id, system.body.message.id].sort());
  });

  it('is an edit, a reaction, its removal or a deletion: each stored the same way', { timeout: 90_000 }, async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const customerApp = await harness.app(customer.id);
    const artistApp = await harness.app(artist.id, 'artist');
    const { message } = expectOk(await customerApp.request('message:send', { bookingId, clientId: randomUUID(), text: 'at 10' }));

    const edited = next(artistApp, 'message:edited');
    const reacted = next(customerApp, 'reaction');
    const [edit, react] = await Promise.all([
      customerApp.request('message:edit', { bookingId, messageId: message.id, text: 'at 11' }),
      artistApp.request('message:react', { bookingId, messageId: message.id, key: '👍' }),
    ]);
    expect(expectOk(edit).message.text).toBe('at 11');
    expectOk(react);
    expect(await edited).toMatchObject({ id: message.id, text: 'at 11' });
    expect(await reacted).toMatchObject({ messageId: message.id, key: '👍', on: true });

    const unreacted = next(customerApp, 'reaction');
    expectOk(await artistApp.request('message:unreact', { bookingId, messageId: message.id, key: '👍' }));
    expect(await unreacted).toMatchObject({ messageId: message.id, key: '👍', on: false });

    const deleted = next(artistApp, 'message:deleted');
    expectOk(await customerApp.request('message:delete', { bookingId, messageId: message.id }));
    expect(await deleted).toEqual({ bookingId, messageId: message.id });
  });
});
