import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HomeserverHealth } from '../../../src/matrix/homeserver-health.ts';
import { createLogger } from '../../../src/observability/logger.ts';

/** A stand-in for Synapse's /health: answers 200 or 503, or is not listening at all. */
function standIn() {
  let healthy = true;
  let probes = 0;
  const server = http.createServer((_request, response) => {
    probes += 1;
    response.writeHead(healthy ? 200 : 503).end(healthy ? 'OK' : 'down');
  });
  return {
    server,
    probes: () => probes,
    setHealthy: (value: boolean) => (healthy = value),
    listen: (port = 0) =>
      new Promise<number>((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const state = (health: HomeserverHealth) =>
  health.check().then(
    () => 'reachable',
    () => 'unreachable',
  );

let running: HomeserverHealth | undefined;
afterEach(() => running?.stop());

describe('the homeserver health watcher', () => {
  it('calls onRecovered once per return of the homeserver, never for the first answer', async () => {
    const synapse = standIn();
    const port = await synapse.listen();
    let recovered = 0;
    const health = new HomeserverHealth({
      url: `http://127.0.0.1:${port}`,
      onRecovered: () => (recovered += 1),
      logger: createLogger('silent'),
      intervalMs: 20,
    });
    running = health;
    health.start();
    expect(await state(health)).toBe('reachable');

    synapse.setHealthy(false);
    await expect.poll(() => state(health), { timeout: 5_000 }).toBe('unreachable');
    synapse.setHealthy(true);
    await expect.poll(() => recovered, { timeout: 5_000 }).toBe(1);
    expect(await state(health)).toBe('reachable');

    // Not listening at all, as when Synapse's process is gone.
    await synapse.close();
    await expect.poll(() => state(health), { timeout: 5_000 }).toBe('unreachable');
    await synapse.listen(port);
    await expect.poll(() => recovered, { timeout: 5_000 }).toBe(2);

    // Staying up is no new recovery.
    const probes = synapse.probes();
    await expect.poll(() => synapse.probes(), { timeout: 5_000 }).toBeGreaterThan(probes + 3);
    expect(recovered).toBe(2);
    health.stop();
    await synapse.close();
  });
});
