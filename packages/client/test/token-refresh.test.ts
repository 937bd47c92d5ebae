// Token refresh on an open socket, against a real bridge (bridge/src/facade/token-lifetime.ts):
// when a token lapses the bridge says `auth:expired`; the client gets a new token from the app
// and hands it over with `auth:refresh`, and when that does not work (the bridge refuses the
// token, or its answer never arrives) it reconnects with a fresh one. Tokens live seconds here.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newBooking } from '../../../bridge/test/support/booking-system.ts';
import { useHarness } from '../../../bridge/test/support/harness.ts';
import { tokenFor } from '../../../bridge/test/support/tokens.ts';
import type { ChatStatus } from '../src/index.ts';
import { startNetworkSwitch, type NetworkSwitch } from './support/network-switch.ts';
import { sdkApp, type SdkApp } from './support/sdk-apps.ts';

/** Long enough to connect and catch up on a loaded machine before the first token lapses. */
const SHORT_LIVED = '3s';

const harness = useHarness();
let network: NetworkSwitch;
const apps: SdkApp[] = [];

beforeAll(async () => {
  network = await startNetworkSwitch(harness.bridge.url);
});

afterAll(async () => {
  await network?.close();
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.chat.close()));
});

/**
 * A booking whose customer app hands out `tokens` in turn (then one-hour tokens), through `url`;
 * the artist stays connected to receive what the customer sends. Barriers: the app asked for
 * its n-th token, and the customer back online after going offline.
 */
async function chatWithTokens(tokens: ((userId: string) => Promise<string>)[], options: { url?: string; refreshTimeoutMs?: number } = {}) {
  const booking = await newBooking(harness.bridge.url);
  const asked = Array.from({ length: tokens.length + 2 }, () => Promise.withResolvers<void>());
  let issued = 0;
  const customer = sdkApp(options.url ?? harness.bridge.url, booking.customer.id, 'customer', {
    token: () => {
      asked[issued]?.resolve();
      return (tokens[issued++] ?? ((userId: string) => tokenFor(userId)))(booking.customer.id);
    },
    refreshTimeoutMs: options.refreshTimeoutMs,
  });
  const artist = sdkApp(harness.bridge.url, booking.artist.id, 'artist');
  apps.push(customer, artist);
  const statuses: ChatStatus[] = [];
  const reconnected = Promise.withResolvers<void>();
  customer.chat.on('status', (status) => {
    statuses.push(status);
    if (status === 'online' && statuses.includes('offline')) reconnected.resolve();
  });
  await Promise.all([customer.chat.connect(), artist.chat.connect()]);
  return { ...booking, customer, artist, statuses, reconnected: reconnected.promise, tokenAsked: (n: number) => asked[n - 1]!.promise };
}

const shortLived = (userId: string) => tokenFor(userId, { expiresIn: SHORT_LIVED });

/** The customer sends after its first token lapsed; the artist receives it. */
async function sendsAndIsReceived(chat: Awaited<ReturnType<typeof chatWithTokens>>, text: string): Promise<void> {
  const sent = await chat.customer.chat.send(chat.bookingId, text);
  await chat.artist.waitFor((received) => received.some((m) => m.id === sent.id), text);
  expect(chat.customer.chat.failed()).toEqual([]);
}

describe('when the bridge says the token expired', () => {
  it('hands a new token from the app to the open socket, which stays connected and sends', async () => {
    // Two short-lived tokens: the second lapsing too shows the bridge took it (it re-armed the
    // socket's expiry with it), and the third is asked for on the same connection.
    const chat = await chatWithTokens([shortLived, shortLived]);
    await chat.tokenAsked(3);
    await sendsAndIsReceived(chat, 'after two refreshes');
    // One connection all along: no reconnection, no second handshake.
    expect(chat.statuses).toEqual(['connecting', 'online']);
  });

  it('reconnects with a fresh token when the bridge refuses the one the app handed over', async () => {
    // The app's token store hands out a stale token first: the bridge answers auth:refresh unauthorized.
    const stale = (userId: string) => tokenFor(userId, { expiresIn: '-10s' });
    const chat = await chatWithTokens([shortLived, stale]);
    await chat.reconnected;
    expect(chat.customer.tokensIssued()).toBe(3);
    expect(chat.statuses).toEqual(['connecting', 'online', 'offline', 'connecting', 'online']);
    await sendsAndIsReceived(chat, 'after reconnecting');
  });

  it('reconnects with the new token when the answer to auth:refresh never arrives', async () => {
    // A connection gone half-dead at that moment: the bridge gets the refresh, its answer is lost.
    const refreshOnDeadConnection = (userId: string) => {
      network.loseAnswers();
      return tokenFor(userId);
    };
    const chat = await chatWithTokens([shortLived, refreshOnDeadConnection], { url: network.url, refreshTimeoutMs: 500 });
    // The client leaves that connection when the refresh times out; the network is whole again for the next one.
    const healed = chat.customer.chat.on('status', (status) => {
      if (status !== 'offline') return;
      network.down();
      network.up();
    });
    await chat.reconnected;
    healed();
    expect(chat.statuses).toEqual(['connecting', 'online', 'offline', 'connecting', 'online']);
    // Reconnected with the token it could not hand over: the app was not asked again.
    expect(chat.customer.tokensIssued()).toBe(2);
    await sendsAndIsReceived(chat, 'after the lost answer');
  });
});
