// The Origin allow-list at the Socket.io handshake (ALLOWED_ORIGINS): a web page on another
// origin cannot open a socket with a user's token (cross-site WebSocket hijacking); native
// apps send no Origin and are let through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectApp } from '../support/app-client.ts';
import { startBridge, type TestBridge } from '../support/bridge.ts';

const ALLOWED = 'https://app.example.com';
let bridge: TestBridge;

beforeAll(async () => {
  bridge = await startBridge({ receivesTransactions: false, env: { ALLOWED_ORIGINS: `${ALLOWED},https://admin.example.com` } });
});

afterAll(async () => {
  await bridge?.close();
});

const connectFrom = (origin: string | undefined) =>
  connectApp(bridge.url, 'origin-user', { socketOptions: origin === undefined ? {} : { extraHeaders: { origin } } });

describe('the Origin allow-list', () => {
  it('lets in a listed origin and an app that sends none', async () => {
    for (const origin of [ALLOWED, undefined]) (await connectFrom(origin)).close();
  });

  it.each(['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com', 'null'])(
    'refuses a socket from %s, even with a valid token',
    async (origin) => {
      await expect(connectFrom(origin)).rejects.toThrow();
    },
  );
});
