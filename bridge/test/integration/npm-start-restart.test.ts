// `npm start` after a hard kill: the bundled Synapse never outlives its bridge, the next start
// runs exactly one Synapse of its own on the same data, a Synapse that dies under a running
// bridge comes back by itself, and a start that cannot own its ports stops with a clear error.
// One DATA_DIR through the file: Synapse creates its SQLite schema once.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/protocol/errors.ts';
import type { Message } from '../../src/protocol/types.ts';
import { exitedWithin, isRunning, listensOn, parentOf, terminate } from '../../src/stack/processes.ts';
import { SYNAPSE_PYTHON } from '../../src/stack/synapse.ts';
import { connectApp, type AppClient, expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { freshDatabase } from '../support/bridge-process.ts';
import { createDatabase, testPort } from '../support/services.ts';
import { npmStart, npmStarted, synapsesOf, type NpmStart } from '../support/npm-start.ts';

const PORTS = {
  PORT: String(testPort(18_900)),
  APPSERVICE_PORT: String(testPort(18_901)),
  SYNAPSE_PORT: String(testPort(18_902)),
  EMBEDDED_POSTGRES_PORT: String(testPort(18_903)),
};
const RESTART_TIMEOUT_MS = 120_000;

let dataDir: string;
let env: Record<string, string>;
let bridge: NpmStart | undefined;
const clients: AppClient[] = [];
let booking: Awaited<ReturnType<typeof newBooking>>;
/** clientId → text of every acknowledged message. */
const acknowledged = new Map<string, string>();

async function connect(userId: string, role: 'customer' | 'artist'): Promise<AppClient> {
  const client = await connectApp(bridge!.url, userId, { role });
  clients.push(client);
  return client;
}

/** Sends with one clientId until acknowledged, waiting the `retryAfter` each refusal names. */
async function sendUntilAcknowledged(app: AppClient, text: string, refusals: ErrorBody[] = []): Promise<Message> {
  const clientId = randomUUID();
  const deadline = Date.now() + RESTART_TIMEOUT_MS;
  for (;;) {
    const ack = await app.request('message:send', { bookingId: booking.bookingId, clientId, text });
    if (ack.ok) {
      acknowledged.set(clientId, text);
      return ack.message!;
    }
    refusals.push(ack.error);
    if (Date.now() > deadline) throw new Error(`still refused: ${JSON.stringify(refusals)}`);
    await delay((ack.error?.retryAfter ?? 1) * 1000);
  }
}

/** Every message of the booking by clientId, from the beginning, as a new device syncs. */
async function syncedByClientId(app: AppClient): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let since: string | undefined;
  for (;;) {
    const page = expectOk(await app.request('sync', since ? { since } : {}));
    for (const message of page.messages) {
      if (message.clientId) counts.set(message.clientId, (counts.get(message.clientId) ?? 0) + 1);
    }
    since = page.cursor;
    if (!page.more) return counts;
  }
}

async function expectEveryAcknowledgedOnce(): Promise<void> {
  const counts = await syncedByClientId(await connect(booking.customer.id, 'customer'));
  for (const clientId of acknowledged.keys()) expect(counts.get(clientId), clientId).toBe(1);
}

/** The one Synapse of this DATA_DIR, and that its parent is the running bridge. */
function onlySynapseOf(owner: NpmStart): number {
  const pids = synapsesOf(dataDir);
  expect(pids).toHaveLength(1);
  expect(parentOf(pids[0]!)).toBe(owner.pid);
  return pids[0]!;
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'booking-chat-npm-start-'));
  env = { DATA_DIR: dataDir, ...PORTS };
});

afterAll(async () => {
  for (const client of clients) client.close();
  await bridge?.stop();
  // Should a test have failed with a Synapse left behind, it does not outlive its data.
  for (const pid of synapsesOf(dataDir)) await terminate(pid, 10_000);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start after its bridge was SIGKILLed', () => {
  it('its Synapse exits by itself, and the next start runs exactly one, its own, with every acknowledged message', async () => {
    const first = (bridge = await npmStarted(env));
    booking = await newBooking(first.url);
    const customer = await connect(booking.customer.id, 'customer');
    for (let i = 0; i < 10; i++) await sendUntilAcknowledged(customer, `before the kill ${i}`);
    const firstSynapse = onlySynapseOf(first);

    await first.stop('SIGKILL');
    // Nothing stops it but the parent-death signal: the bridge had no chance to.
    expect(await exitedWithin(firstSynapse, 30_000)).toBe(true);

    const second = (bridge = await npmStarted(env, RESTART_TIMEOUT_MS));
    onlySynapseOf(second);
    await expectEveryAcknowledgedOnce();
  }, 420_000);
});

describe('a Synapse that dies under a running bridge', () => {
  it('is restarted; sends meanwhile are refused with unavailable and retryAfter; none is lost or doubled', async () => {
    const running = bridge!;
    const customer = await connect(booking.customer.id, 'customer');
    const artist = await connect(booking.artist.id, 'artist');
    const killed = onlySynapseOf(running);

    process.kill(killed, 'SIGKILL');
    expect(await exitedWithin(killed, 10_000)).toBe(true);
    const refusals: ErrorBody[] = [];
    await sendUntilAcknowledged(customer, 'sent while Synapse is down', refusals);
    await running.waitForLine('Synapse restarted', RESTART_TIMEOUT_MS);

    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) expect(refusal).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
    const afterRecovery = await sendUntilAcknowledged(customer, 'sent after the restart');
    await artist.waitForMessage((m) => m.id === afterRecovery.id, 30_000);
    expect(onlySynapseOf(running)).not.toBe(killed);
    await expectEveryAcknowledgedOnce();
  }, 300_000);
});

describe('a Synapse an earlier run left behind', () => {
  it('is stopped by the next start, which runs its own', async () => {
    const config = join(dataDir, 'synapse', 'homeserver.yaml');
    const previous = onlySynapseOf(bridge!);
    expect(await bridge!.stop('SIGTERM')).toBe(0);
    // A clean stop takes its Synapse with it.
    expect(await exitedWithin(previous, 30_000)).toBe(true);

    // An orphan whose parent-death signal never fired: started through a shell that exits at
    // once, so init adopts it, as it would an orphan of a bridge without the launcher.
    const shell = spawn('sh', ['-c', `"${SYNAPSE_PYTHON}" -m synapse.app.homeserver -c "${config}" >/dev/null 2>&1 & echo $!`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const orphan = await new Promise<number>((resolve) =>
      shell.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    const deadline = Date.now() + RESTART_TIMEOUT_MS;
    while (!listensOn(orphan, Number(PORTS.SYNAPSE_PORT))) {
      expect(isRunning(orphan), 'the orphan Synapse started').toBe(true);
      expect(Date.now()).toBeLessThan(deadline);
      await delay(200);
    }
    expect(parentOf(orphan)).not.toBe(process.pid);

    const next = (bridge = await npmStarted(env, RESTART_TIMEOUT_MS));
    expect(isRunning(orphan)).toBe(false);
    expect(next.output()).toContain('stopped a Synapse an earlier run of this DATA_DIR left running');
    onlySynapseOf(next);
    await expectEveryAcknowledgedOnce();
  }, 300_000);
});

describe('npm start that cannot own what it needs', () => {
  /** A stranger on a port: an HTTP server that even answers Synapse's health check. */
  async function holdPort(port: string): Promise<http.Server> {
    const server = http.createServer((_request, response) => response.writeHead(200).end('OK'));
    await new Promise<void>((resolve) => server.listen(Number(port), '127.0.0.1', resolve));
    return server;
  }

  /** The exit code of a start that must fail; one that comes up instead is stopped and fails the test. */
  async function failedStart(start: NpmStart): Promise<number | NodeJS.Signals> {
    const cameUp = await start.waitForLine('booking-chat is up', 90_000).then(
      () => true,
      () => false,
    );
    if (cameUp || (start.child.exitCode === null && start.child.signalCode === null)) {
      await start.stop();
      throw new Error(`npm start did not fail:\n${start.output()}`);
    }
    return start.exited;
  }

  beforeAll(async () => {
    await bridge?.stop();
    bridge = undefined;
  });

  it.each(['EMBEDDED_POSTGRES_PORT', 'SYNAPSE_PORT'] as const)(
    'stops with a non-zero code when %s is taken, naming the port and its holder',
    async (setting) => {
      const stranger = await holdPort(PORTS[setting]);
      try {
        const start = npmStart(env);
        expect(await failedStart(start)).not.toBe(0);
        expect(start.output()).toContain(`${setting} ${PORTS[setting]} on 127.0.0.1 is already in use by pid ${process.pid}`);
        expect(synapsesOf(dataDir)).toEqual([]);
      } finally {
        stranger.close();
      }
    },
    120_000,
  );

  it("stops with a non-zero code and Synapse's own error when its Synapse exits during start-up", async () => {
    // Synapse refuses a PostgreSQL database whose collation is not C (the cluster's default here).
    const failingDataDir = mkdtempSync(join(tmpdir(), 'booking-chat-npm-start-failing-'));
    try {
      const start = npmStart({
        ...env,
        DATA_DIR: failingDataDir,
        DATABASE_URL: await freshDatabase(),
        SYNAPSE_DATABASE_URL: await createDatabase(`bookingchat_npm_start_${randomUUID().slice(0, 8)}`),
      });
      expect(await failedStart(start)).not.toBe(0);
      expect(start.output()).toMatch(/Synapse \(main\) exited during start-up/);
      expect(start.output()).toContain('Database has incorrect collation');
    } finally {
      rmSync(failingDataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
