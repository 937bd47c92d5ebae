// Redis down is a degraded bridge, not a broken one: two bridge processes share a Redis of
// this test's own, which is stopped and started again. Meanwhile apps still connect (never
// `unauthorized`), every send is acknowledged, /readyz says `degraded` (still 200, so a load
// balancer keeps the process), and afterwards fan-out between the processes resumes. Counted
// by clientId: nothing acknowledged is lost, nothing is stored twice.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectApp, type AppClient } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { freshDatabase, spawnBridge, type BridgeProcess } from '../support/bridge-process.ts';
import { countByClientId, sendUntilAcknowledged, syncEverything } from '../support/outage-sends.ts';
import { privateRedis } from '../support/private-redis.ts';
import { testPort } from '../support/services.ts';

const redis = privateRedis(testPort(18_850));
let first: BridgeProcess;
let second: BridgeProcess;
const clients: AppClient[] = [];

async function app(bridge: BridgeProcess, userId: string, role: 'customer' | 'artist'): Promise<AppClient> {
  const client = await connectApp(bridge.url, userId, { role });
  clients.push(client);
  return client;
}

/** Resolves once the process has printed `text` (counting from `after` characters of its output). */
function printed(bridge: BridgeProcess, text: string, after: number, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!bridge.output().slice(after).includes(text)) return;
      bridge.child.stdout!.off('data', check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      bridge.child.stdout!.off('data', check);
      reject(new Error(`"${text}" not logged within ${timeoutMs} ms:\n${bridge.output().slice(after)}`));
    }, timeoutMs);
    bridge.child.stdout!.on('data', check);
    check();
  });
}

async function readiness(bridge: BridgeProcess): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const response = await fetch(`${bridge.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
}

beforeAll(async () => {
  await redis.start();
  const env = { DATABASE_URL: await freshDatabase(), REDIS_URL: redis.url };
  // Synapse pushes transactions to the first; the second only serves apps.
  first = await spawnBridge({ port: testPort(18_801), appservicePort: inject('appservicePort'), env });
  second = await spawnBridge({ port: testPort(18_802), appservicePort: testPort(18_812), env });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([first?.stop(), second?.stop()]);
  await redis.stop();
});

describe('Redis stopped and started under two bridge processes', () => {
  it('keeps connections and sends working, reports degraded, and recovers', { timeout: 120_000 }, async () => {
    const { bookingId, customer, artist } = await newBooking(first.url);
    const customerOnSecond = await app(second, customer.id, 'customer');
    const artistOnFirst = await app(first, artist.id, 'artist');
    expect((await readiness(second)).body).toEqual({ status: 'ready', checks: { database: 'ok', homeserver: 'ok', redis: 'ok' } });

    const [firstLogged, secondLogged] = [first.output().length, second.output().length];
    await redis.stop();
    await Promise.all([printed(first, 'redis degraded', firstLogged), printed(second, 'redis degraded', secondLogged)]);

    // New connections: the rate limiter counts in memory instead of failing the handshake.
    const duringOutage = [await app(first, customer.id, 'customer'), await app(second, artist.id, 'artist')];
    const acknowledged: string[] = [];
    const sends = [];
    for (let i = 0; i < 10; i++) {
      for (const [client, via] of [
        [customerOnSecond, 'second'],
        [duringOutage[0]!, 'first'],
        [duringOutage[1]!, 'second'],
      ] as const) {
        const payload = { bookingId, clientId: randomUUID(), text: `while Redis is down ${i} via ${via}` };
        sends.push(
          client.request('message:send', payload).then((ack) => {
            expect(ack).toMatchObject({ ok: true });
            acknowledged.push(payload.clientId);
          }),
        );
      }
    }
    await Promise.all(sends);

    for (const bridge of [first, second]) {
      expect(await readiness(bridge)).toEqual({
        status: 200,
        body: { status: 'degraded', checks: { database: 'ok', homeserver: 'ok', redis: 'failing' } },
      });
      expect(await (await fetch(`${bridge.metricsUrl}/metrics`)).text()).toContain('bookingchat_dependency_up{dependency="redis"} 0');
      expect(bridge.child.exitCode).toBeNull();
    }
    // Logged once for the outage, not once per request or reconnection attempt.
    expect(second.output().slice(secondLogged).split('redis degraded').length - 1).toBe(1);

    const [firstBack, secondBack] = [first.output().length, second.output().length];
    await redis.start();
    await Promise.all([printed(first, 'redis recovered', firstBack), printed(second, 'redis recovered', secondBack)]);
    expect((await readiness(second)).body.status).toBe('ready');

    // Fan-out between the processes is back: a send through the second reaches the first live.
    const after = await sendUntilAcknowledged(customerOnSecond, { bookingId, clientId: randomUUID(), text: 'Redis is back' });
    acknowledged.push(after.clientId!);
    await artistOnFirst.waitForMessage((m) => m.id === after.id);

    const counts = countByClientId(await syncEverything(artistOnFirst));
    for (const clientId of acknowledged) expect(counts.get(clientId), clientId).toBe(1);
  });
});
