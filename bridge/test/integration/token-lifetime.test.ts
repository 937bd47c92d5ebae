// A socket lives only as long as its token: when it expires the app is told, its events are
// refused, and unless it hands over a new token for the same user it is disconnected.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectApp, type AppClient, expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { useHarness } from '../support/harness.ts';
import { tokenFor } from '../support/tokens.ts';

const harness = useHarness();

const expired = (app: AppClient) => new Promise<void>((resolve) => app.socket.once('auth:expired', () => resolve()));
const disconnected = (app: AppClient) => new Promise<string>((resolve) => app.socket.once('disconnect', (reason) => resolve(reason)));

describe('a token that expires on an open socket', () => {
  it('is announced, refuses events until refreshed, and a refreshed socket stays while an unrefreshed one is dropped', async () => {
    const { bookingId, customer, artist } = await newBooking(harness.bridge.url);
    const refreshing = await connectApp(harness.bridge.url, customer.id, { expiresIn: '3s' });
    const lapsing = await connectApp(harness.bridge.url, artist.id, { role: 'artist', expiresIn: '3s' });
    const [refreshingExpired, lapsingExpired] = [expired(refreshing), expired(lapsing)];
    const lapsingGone = disconnected(lapsing);
    await Promise.all([refreshingExpired, lapsingExpired]);

    const send = (app: AppClient) => app.request('message:send', { bookingId, clientId: randomUUID(), text: 'still there?' });
    expect(await send(refreshing)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await refreshing.request('auth:refresh', { token: await tokenFor(artist.id) })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(await refreshing.request('auth:refresh', { token: 'not a token' })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(await refreshing.requestRaw('auth:refresh', { token: 42 })).toMatchObject({ ok: false, error: { code: 'invalid' } });

    const refreshed = expectOk(await refreshing.request('auth:refresh', { token: await tokenFor(customer.id, { expiresIn: '1h' }) }));
    expect(refreshed.ok).toBe(true);
    expect(Date.parse(refreshed.expiresAt)).toBeGreaterThan(Date.now() + 50 * 60_000);

    // Both grace periods started together: once the lapsing socket is gone, the refreshed one has outlived its own.
    expect(await lapsingGone).toBe('io server disconnect');
    expect(refreshing.socket.connected).toBe(true);
    const { message } = expectOk(await refreshing.request('message:send', { bookingId, clientId: randomUUID(), text: 'refreshed' }));
    expect(message.text).toBe('refreshed');
    refreshing.close();
  });

  it('an already expired token cannot connect', async () => {
    await expect(connectApp(harness.bridge.url, 'late-user', { expiresIn: '-1s' })).rejects.toMatchObject({
      data: { code: 'unauthorized' },
    });
  });
});
