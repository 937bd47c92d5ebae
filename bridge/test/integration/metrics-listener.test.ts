// Prometheus metrics have a listener of their own (METRICS_HOST:METRICS_PORT, loopback by
// default): the public listener, which apps and the internet reach, never serves them.
import { createConnection } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type TestBridge } from '../support/bridge.ts';

let bridge: TestBridge;

beforeAll(async () => {
  // The public listener on every interface, as in production; METRICS_HOST left at its default.
  bridge = await startBridge({ receivesTransactions: false, env: { HOST: '0.0.0.0' } });
});

afterAll(async () => {
  await bridge?.close();
});

/** This machine's addresses other than 127.0.0.1: a socket bound to 127.0.0.1 answers on none of them. */
function otherAddresses(): string[] {
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address?.family === 'IPv4' && !address.internal)
    .map((address) => address!.address);
  // The rest of 127.0.0.0/8 is there on every Linux machine, external interfaces or not.
  return ['127.0.0.2', ...external];
}

/** Resolves with how a TCP connection attempt ended: `connected`, or the error code. */
function connectTo(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timed out');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('the metrics listener', () => {
  it('is the only place that serves /metrics: the public listener answers 404 for it and everything under it', async () => {
    for (const path of ['/metrics', '/metrics/', '/metrics/anything', '/metrics/a/b?x=1', '/METRICS', '/Metrics/']) {
      const answer = await fetch(`${bridge.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(await answer.text(), path).not.toContain('bookingchat_');
    }
    for (const path of ['/metrics', '/metrics/']) {
      const answer = await fetch(`${bridge.metricsUrl}${path}`);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('content-type'), path).toMatch(/^text\/plain/);
      expect(await answer.text(), path).toMatch(/^bookingchat_socket_connections /m);
    }
  });

  it('serves nothing but /metrics', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics/anything', '/api/v1/bookings/b1', '/socket.io/?EIO=4&transport=polling']) {
      expect((await fetch(`${bridge.metricsUrl}${path}`)).status, path).toBe(404);
    }
  });

  it("is bound to 127.0.0.1 by default: the machine's other addresses reach the public listener, not it", async () => {
    const metricsPort = Number(new URL(bridge.metricsUrl).port);
    for (const address of otherAddresses()) {
      expect(await connectTo(address, bridge.port), `public listener on ${address}`).toBe('connected');
      expect(await connectTo(address, metricsPort), `metrics listener on ${address}`).toBe('ECONNREFUSED');
    }
    expect(await connectTo('127.0.0.1', metricsPort)).toBe('connected');
  });
});
