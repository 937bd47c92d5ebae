// What operators rely on: health and readiness, Prometheus metrics, request ids, and a start-up
// that refuses a bad setting by name.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectApp } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { startBridge, type TestBridge } from '../support/bridge.ts';

let bridge: TestBridge;

beforeAll(async () => {
  bridge = await startBridge();
});

afterAll(async () => {
  await bridge?.close();
});

describe('operations endpoints', () => {
  it('answer /healthz and /readyz with the state of the database and the homeserver', async () => {
    expect(await (await fetch(`${bridge.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${bridge.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', homeserver: 'ok' } });
  });

  it('count messages, transactions and socket events in /metrics', async () => {
    const { bookingId, customer } = await newBooking(bridge.url);
    const app = await connectApp(bridge.url, customer.id);
    await app.request('message:send', { bookingId, clientId: randomUUID(), text: 'counted' });
    await app.requestRaw('chat:history', { bookingId: 5 });
    app.close();

    const metrics = await (await fetch(`${bridge.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/bookingchat_messages_delivered_total\{kind="text"\} [1-9]/);
    expect(metrics).toMatch(/bookingchat_appservice_transactions_total\{outcome="stored"\} [1-9]/);
    expect(metrics).toMatch(/bookingchat_socket_events_total\{event="chat:history",outcome="invalid"\} 1/);
    expect(metrics).toMatch(/bookingchat_message_send_seconds_count [1-9]/);
    expect(metrics).toMatch(/process_cpu_seconds_total/);
  });

  it('tags every response with a request id, keeping a sane one from the proxy', async () => {
    // A generated id is a random UUID (version 4), a fresh one per request.
    const generated = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const idOf = async (given?: string) =>
      (await fetch(`${bridge.url}/healthz`, given === undefined ? {} : { headers: { 'x-request-id': given } })).headers.get('x-request-id');
    const [own, again] = [await idOf(), await idOf()];
    expect(own).toMatch(generated);
    expect(again).toMatch(generated);
    expect(again).not.toBe(own);
    expect(await idOf('proxy-123')).toBe('proxy-123');
    expect(await idOf('p'.repeat(64))).toBe('p'.repeat(64));
    // Anything else (a space or tab that would split a log line, more than 64 characters) is replaced.
    expect(await idOf('a b\tc')).toMatch(generated);
    expect(await idOf('p'.repeat(65))).toMatch(generated);
  });
});

describe('start-up', () => {
  const main = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, [main], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 30_000 });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [
      { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), SERVICE_TOKEN: 's'.repeat(20), DATABASE_URL: 'postgres://db/x' },
      'TLS_CERT_FILE',
    ],
    [{ SYNAPSE_URL: 'http://127.0.0.1:1' }, 'AS_TOKEN'],
  ])('stops with exit code 2 and names the bad setting: %o', (env, name) => {
    const result = start(env);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(name);
  });
});
