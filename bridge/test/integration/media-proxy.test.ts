// Image downloads when Synapse fails under them: a connection cut mid-body, a client that walks
// away, a Synapse that stops answering. The client sees a broken download or `unavailable`; the
// bridge lets go of Synapse and keeps serving. A proxy between the bridge and the real test
// Synapse plays the failing network.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newBooking } from '../support/booking-system.ts';
import { startBridge, type TestBridge } from '../support/bridge.ts';
import { startFaultyProxy, type FaultyProxy } from '../support/faulty-proxy.ts';
import { useHarness } from '../support/harness.ts';
import { noiseJpeg } from '../support/images.ts';
import { uploadImage } from '../support/media-client.ts';

/** The impatient bridge gives Synapse this long; the harness's bridge, the default 10 s. */
const SHORT_TIMEOUT_MS = 1000;
/** Every wait in this file ends: a fault the bridge ignores fails the test instead of hanging it. */
const BOUND_MS = 6000;

let proxy: FaultyProxy;
const harness = useHarness({
  bridge: async () => {
    proxy = await startFaultyProxy(inject('synapseUrl'));
    return { env: { SYNAPSE_URL: proxy.url } };
  },
});
let impatient: TestBridge;

beforeAll(async () => {
  // Another process of the same deployment: one database, which a download checks the link's user and message against.
  impatient = await startBridge({
    env: { SYNAPSE_URL: proxy.url, MEDIA_DOWNLOAD_TIMEOUT_MS: String(SHORT_TIMEOUT_MS) },
    databaseUrl: harness.bridge.databaseUrl,
    receivesTransactions: false,
  });
});

afterAll(async () => {
  await impatient?.close();
  await proxy?.close();
});

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${BOUND_MS} ms`)), BOUND_MS).unref()),
  ]);
}

/** A photo in a new booking; its signed URL works on any bridge of the deployment. */
async function photo(): Promise<URL> {
  const { bookingId, customer } = await newBooking(harness.bridge.url);
  const sent = await uploadImage(harness.bridge.url, bookingId, customer.id, await noiseJpeg(320, 240));
  expect(sent.status).toBe(201);
  return new URL(sent.body.message.image.url);
}

function on(bridge: TestBridge, url: URL): string {
  return `${bridge.url}${url.pathname}${url.search}`;
}

async function fullDownload(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const body = Buffer.from(await response.arrayBuffer());
  expect(body.length).toBe(Number(response.headers.get('content-length')));
  return body;
}

/** The headers came, the body broke off: what a client sees of a cut connection. */
async function expectBroken(response: Response): Promise<void> {
  expect(response.status).toBe(200);
  await expect(within(response.arrayBuffer(), 'the body')).rejects.toThrow('terminated');
}

async function stillServing(bridge: TestBridge, url: string, expected: Buffer): Promise<void> {
  expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);
  expect((await fullDownload(url)).equals(expected)).toBe(true);
}

describe('a Synapse that dies mid-download', () => {
  it('gives the client a broken response, and the bridge serves the next download in full', async () => {
    const url = on(harness.bridge, await photo());
    const whole = await fullDownload(url);
    expect(whole.length).toBeGreaterThan(1000);

    const broken = proxy.breakNextDownload({ action: 'cut', afterBodyBytes: 500 });
    const response = await within(fetch(url), 'headers');
    await expectBroken(response);
    await broken.applied;

    await stillServing(harness.bridge, url, whole);
  });
});

describe('a client that goes away mid-download', () => {
  it('makes the bridge close its connection to Synapse', async () => {
    const url = on(harness.bridge, await photo());
    const whole = await fullDownload(url);

    const stalled = proxy.breakNextDownload({ action: 'stall', afterBodyBytes: 500 });
    const client = new AbortController();
    const response = await within(fetch(url, { signal: client.signal }), 'headers');
    await within(response.body!.getReader().read(), 'first bytes');
    client.abort();
    // The bridge's timeout is 10 s here: only the client's leaving can close it this soon.
    await within(stalled.bridgeClosed, 'the bridge releasing Synapse');

    await stillServing(harness.bridge, url, whole);
  });
});

describe('a Synapse that stops answering', () => {
  it('before the headers: the client gets 503 unavailable after the timeout', async () => {
    const url = on(impatient, await photo());
    const stalled = proxy.breakNextDownload({ action: 'stall' });
    const started = Date.now();
    const response = await within(fetch(url), 'an answer');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ error: { code: 'unavailable' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 50);
    await within(stalled.bridgeClosed, 'the bridge releasing Synapse');
  });

  it('mid-body: the client sees the connection cut after the timeout, and the bridge keeps serving', async () => {
    const url = on(impatient, await photo());
    const whole = await fullDownload(url);
    const stalled = proxy.breakNextDownload({ action: 'stall', afterBodyBytes: 500 });
    const response = await within(fetch(url), 'headers');
    await expectBroken(response);
    await within(stalled.bridgeClosed, 'the bridge releasing Synapse');

    await stillServing(impatient, url, whole);
  });
});
