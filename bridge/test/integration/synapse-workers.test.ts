// SYNAPSE_WORKERS=2 as `npm start` runs it, on its own PostgreSQL database: the main process,
// two event persisters and the appservice sender under the supervisor, the router in front.
// Messages in many rooms are written by the persister Synapse shards each room to, in order per
// room; the appservice sender SIGKILLed mid-stream is restarted and every acknowledged message
// reaches each member's `sync` exactly once. (Synapse does not resend a transaction a killed
// sender left in flight unless the appservice is marked down: the bridge's reconciliation after
// the restart is what brings those events.)
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app.ts';
import type { Message } from '../../src/protocol/types.ts';
import { processesWith } from '../../src/stack/processes.ts';
import { persisterIndexFor } from '../../src/stack/synapse-topology.ts';
import { connectApp, type AppClient } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { startBridge, type TestBridge } from '../support/bridge.ts';
import { countByClientId, sendUntilAcknowledged, syncEverything } from '../support/outage-sends.ts';
import { TEST_PORT_SLOT, testPort } from '../support/services.ts';
import { startThrowawaySynapse, type ThrowawaySynapse } from '../support/throwaway-synapse.ts';

const SERVER_NAME = 'booking-chat.workers';
const ROOMS = 10;
const DEADLINE_MS = 240_000;

interface Chat {
  bookingId: string;
  roomId: string;
  customer: AppClient;
  artist: AppClient;
}

let synapse: ThrowawaySynapse;
let bridge: TestBridge;
let synapseDb: pg.Client;
const chats: Chat[] = [];

beforeAll(async () => {
  synapse = await startThrowawaySynapse({
    name: `workers${TEST_PORT_SLOT}`,
    serverName: SERVER_NAME,
    port: testPort(19_200),
    appservicePort: testPort(19_220),
    workers: 2,
  });
  const registration = synapse.registration as AppDeps['registration'];
  bridge = await startBridge({
    registration,
    env: {
      SYNAPSE_URL: synapse.synapse.url,
      SYNAPSE_SERVER_NAME: SERVER_NAME,
      APPSERVICE_PORT: String(testPort(19_220)),
      AS_TOKEN: registration.as_token,
      HS_TOKEN: registration.hs_token,
    },
  });
  // As npm start wires it: a process back after a crash has the bridge ping and reconcile.
  synapse.onRestarted(() => void bridge.app.homeserverRecovered());
  synapseDb = new pg.Client({ connectionString: synapse.databaseUrl });
  await synapseDb.connect();
  for (let i = 0; i < ROOMS; i++) {
    const booking = await newBooking(bridge.url);
    chats.push({
      bookingId: booking.bookingId,
      roomId: booking.roomId,
      customer: await connectApp(bridge.url, booking.customer.id),
      artist: await connectApp(bridge.url, booking.artist.id, { role: 'artist' }),
    });
  }
}, DEADLINE_MS);

afterAll(async () => {
  for (const chat of chats) {
    chat.customer.close();
    chat.artist.close();
  }
  await synapseDb?.end();
  await bridge?.close();
  await synapse?.synapse.stop();
}, 60_000);

/** Each chat's customer sends `count` messages one after another; the chats send at once. */
function sendInEveryChat(prefix: string, count: number): Promise<Message[][]> {
  return Promise.all(
    chats.map(async (chat) => {
      const acknowledged: Message[] = [];
      for (let n = 0; n < count; n++) {
        const payload = { bookingId: chat.bookingId, clientId: randomUUID(), text: `${prefix} ${n}` };
        acknowledged.push(await sendUntilAcknowledged(chat.customer, payload, DEADLINE_MS));
      }
      return acknowledged;
    }),
  );
}

/** The m.room.message events Synapse holds for a room, in stream order, with the process that wrote each. */
async function writtenEvents(roomId: string): Promise<{ eventId: string; instance: string }[]> {
  const { rows } = await synapseDb.query<{ event_id: string; instance_name: string }>(
    "SELECT event_id, instance_name FROM events WHERE room_id = $1 AND type = 'm.room.message' ORDER BY stream_ordering",
    [roomId],
  );
  return rows.map((row) => ({ eventId: row.event_id, instance: row.instance_name }));
}

describe('Synapse with workers (SYNAPSE_WORKERS=2)', () => {
  it(
    'writes each room through the persister it is sharded to, both persisters at work, in order per room',
    async () => {
      const sent = await sendInEveryChat('order', 4);
      const persisters = new Set<string>();
      for (const [i, chat] of chats.entries()) {
        const expected = `persister${persisterIndexFor(chat.roomId, 2) + 1}`;
        const written = await writtenEvents(chat.roomId);
        expect(written.map((w) => w.instance)).toEqual(written.map(() => expected));
        persisters.add(expected);
        // Synapse's stream order, the order the artist syncs and the order sent are one order.
        const acknowledgedIds = sent[i]!.map((m) => m.id);
        expect(written.map((w) => w.eventId).filter((id) => acknowledgedIds.includes(id))).toEqual(acknowledgedIds);
        const synced = (await syncEverything(chat.artist)).filter((m) => m.bookingId === chat.bookingId && m.text?.startsWith('order'));
        expect(synced.map((m) => m.text)).toEqual(['order 0', 'order 1', 'order 2', 'order 3']);
      }
      // Ten random room ids over two persisters: all on one would happen once in 512 runs.
      expect(persisters).toEqual(new Set(['persister1', 'persister2']));
    },
    DEADLINE_MS,
  );

  it(
    'loses and repeats nothing acknowledged when the appservice sender is SIGKILLed mid-stream',
    async () => {
      const sender = join(synapse.dataDir, 'workers', 'appservice1.yaml');
      const [pid] = processesWith(['synapse.app.generic_worker', sender]);
      expect(pid).toBeDefined();
      const sending = sendInEveryChat('kill', 6);
      // Kill once messages are flowing: the first one delivered is the barrier.
      await Promise.race(chats.map((chat) => chat.artist.waitForMessage((m) => m.text?.startsWith('kill') === true, DEADLINE_MS)));
      process.kill(pid!, 'SIGKILL');
      const acknowledged = (await sending).flat();

      // The supervisor started it again (another pid), and it sent what was queued meanwhile.
      const [restarted] = processesWith(['synapse.app.generic_worker', sender]);
      expect(restarted).toBeDefined();
      expect(restarted).not.toBe(pid);
      for (const chat of chats) {
        for (const member of [chat.customer, chat.artist]) {
          const counts = countByClientId((await syncEverything(member)).filter((m) => m.bookingId === chat.bookingId));
          const mine = acknowledged.filter((m) => m.bookingId === chat.bookingId);
          expect(mine).toHaveLength(6);
          for (const message of mine) expect(counts.get(message.clientId!)).toBe(1);
          expect([...counts.values()].every((count) => count === 1)).toBe(true);
        }
      }
    },
    DEADLINE_MS,
  );
});
