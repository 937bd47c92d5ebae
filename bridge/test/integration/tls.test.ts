// TLS: given a certificate and key the bridge serves HTTPS and WSS; clients that verify the
// certificate connect, clients that do not trust it are refused.
import { randomUUID } from 'node:crypto';
import { get } from 'node:https';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBooking } from '../support/booking-system.ts';
import { startBridge, type TestBridge } from '../support/bridge.ts';
import { makeCertificates, type TestCertificates } from '../support/certificates.ts';
import { tokenFor } from '../support/tokens.ts';

let certs: TestCertificates;
let bridge: TestBridge;

beforeAll(async () => {
  certs = makeCertificates();
  bridge = await startBridge({ env: { TLS_CERT_FILE: certs.certFile, TLS_KEY_FILE: certs.keyFile } });
});

afterAll(async () => {
  await bridge?.close();
});

function httpsGet(url: string, ca?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('TLS', () => {
  it('serves HTTPS to a client that verifies the certificate', async () => {
    expect(bridge.url).toMatch(/^https:/);
    expect(await httpsGet(`${bridge.url}/healthz`, certs.ca)).toBe(200);
  });

  it('serves the metrics listener over HTTPS too', async () => {
    expect(bridge.metricsUrl).toMatch(/^https:/);
    expect(await httpsGet(`${bridge.metricsUrl}/metrics`, certs.ca)).toBe(200);
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await expect(httpsGet(`${bridge.url}/healthz`)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('carries the chat over WSS', async () => {
    const { bookingId, customer } = await newBooking(bridge.url, { ca: certs.ca });
    const socket = io(bridge.url, {
      auth: { token: await tokenFor(customer.id) },
      transports: ['websocket'],
      reconnection: false,
      ca: certs.ca,
    } as never);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const ack = await socket.timeout(30_000).emitWithAck('message:send', { bookingId, clientId: randomUUID(), text: 'over TLS' });
      expect(ack).toMatchObject({ ok: true, message: { text: 'over TLS' } });
    } finally {
      socket.disconnect();
    }
  });
});
