// A user's name reaches apps from the booking system's PUT at once; Synapse's display name (what
// staff see in Element) follows, and Synapse refusing it (as 1.163 does a name changed while its
// previous change is still being applied) never fails the booking: the next PUT sets it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newBooking, putBooking } from '../support/booking-system.ts';
import { startBridge, type TestBridge } from '../support/bridge.ts';
import { startFaultyProxy, type FaultyProxy } from '../support/faulty-proxy.ts';

let proxy: FaultyProxy;
let bridge: TestBridge;

beforeAll(async () => {
  proxy = await startFaultyProxy(inject('synapseUrl'));
  bridge = await startBridge({ env: { SYNAPSE_URL: proxy.url } });
});

afterAll(async () => {
  await bridge?.close();
  await proxy?.close();
});

const DISPLAY_NAME_CHANGE = /^PUT \/_matrix\/client\/v3\/profile\/[^/ ]+\/displayname/;

async function synapseName(userId: string): Promise<string | undefined> {
  const profile = await bridge.app.homeserver.bot.matrixClient.getUserProfile(bridge.app.homeserver.ids.appUser(userId));
  return profile.displayname;
}

describe('a display name Synapse refuses', () => {
  it('does not fail the PUT; apps get the name at once and Synapse with the next PUT', async () => {
    const booking = await newBooking(bridge.url);
    const renamed = (name: string) => ({ customer: { ...booking.customer, name }, artist: booking.artist, title: 'Bridal make-up' });
    const refused = proxy.breakNext(DISPLAY_NAME_CHANGE, { action: 'refuse' });

    const first = await putBooking(bridge.url, booking.bookingId, renamed('Ann Renamed'));
    await refused.applied;
    expect(first.status).toBe(200);
    expect(await bridge.app.db('app_users').where({ user_id: booking.customer.id }).first()).toMatchObject({ name: 'Ann Renamed' });
    expect(await synapseName(booking.customer.id)).toBe(booking.customer.name);

    // The same body again: nothing changed for the booking, but Synapse still lacks the name.
    expect((await putBooking(bridge.url, booking.bookingId, renamed('Ann Renamed'))).status).toBe(200);
    expect(await synapseName(booking.customer.id)).toBe('Ann Renamed');
  });
});
