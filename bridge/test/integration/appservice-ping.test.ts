// A bridge starting (or seeing Synapse come back) pings Synapse, which ends Synapse's backoff of
// failed transactions. A ping Synapse fails is tried again: until one succeeds, that backoff
// (up to minutes) holds every message back.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startBridge, type TestBridge } from '../support/bridge.ts';
import { startFaultyProxy, type FaultyProxy } from '../support/faulty-proxy.ts';

const PING = /^POST \/_matrix\/client\/v1\/appservice\/[^/ ]+\/ping/;

let proxy: FaultyProxy | undefined;
let bridge: TestBridge | undefined;

afterAll(async () => {
  await bridge?.close();
  await proxy?.close();
});

describe('the appservice ping', () => {
  it('is tried again when Synapse fails it', async () => {
    proxy = await startFaultyProxy(inject('synapseUrl'));
    const first = proxy.breakNext(PING, { action: 'refuse' });
    bridge = await startBridge({ env: { SYNAPSE_URL: proxy.url } });
    await first.applied;
    // Armed again once the first was refused: only a second ping can meet it.
    const second = proxy.breakNext(PING, { action: 'refuse' });
    await expect(second.applied).resolves.toBeUndefined();
  });
});
