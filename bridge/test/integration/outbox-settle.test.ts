// Settling outbox rows against real PostgreSQL: rows settled together share one statement, and a
// message's pushes are queued by whoever removes its row, once, however many settle it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate, openDatabase, type Database } from '../../src/store/database.ts';
import { OutboxStore, type PushJob } from '../../src/store/outbox-store.ts';
import { createDatabase, TEST_PORT_SLOT } from '../support/services.ts';

let db: Database;
let outbox: OutboxStore;
let device: string;

beforeAll(async () => {
  db = openDatabase(await createDatabase(`bookingchat_test_outbox_${TEST_PORT_SLOT}`));
  await migrate(db);
  outbox = new OutboxStore(db);
  device = randomUUID();
  await db('devices').insert({ id: device, user_id: 'u-1', kind: 'fcm', address: `token-${device}` });
});

afterAll(async () => {
  await outbox?.close();
  await db?.destroy();
});

/** Outbox rows for new messages, as the storing statement writes them. */
async function stored(count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `$${randomUUID()}`);
  await db('message_outbox').insert(ids.map((event_id) => ({ kind: 'message', event_id, booking_id: 'b-1', not_before: db.fn.now() })));
  return ids;
}

const pushFor = (eventId: string): PushJob[] => [
  { device_id: device, message: { title: 'Ann', body: 'hi', bookingId: 'b-1', messageId: eventId, badge: 1, collapseKey: 'booking-b-1' } },
];

async function left(ids: string[]): Promise<{ outbox: number; pushes: number }> {
  const [outboxRows, pushRows] = await Promise.all([
    db('message_outbox').whereIn('event_id', ids),
    db('push_jobs').whereRaw("message->>'messageId' = ANY(?)", [ids]),
  ]);
  return { outbox: outboxRows.length, pushes: pushRows.length };
}

describe('settling outbox rows', () => {
  it('removes rows settled together in one statement and queues each message’s pushes', async () => {
    const ids = await stored(20);
    const connections = vi.spyOn(db.client, 'acquireConnection');
    try {
      const queued = await Promise.all(ids.map((id) => outbox.settle('message', id, pushFor(id))));
      expect(queued).toEqual(ids.map(() => 1));
      expect(connections).toHaveBeenCalledTimes(1);
    } finally {
      connections.mockRestore();
    }
    expect(await left(ids)).toEqual({ outbox: 0, pushes: 20 });
  });

  it('queues a message’s pushes once when it is settled twice, in one batch or in two', async () => {
    const [together, apart] = await stored(2);
    // The storing process and a drainer in one process, at the same moment.
    expect(
      await Promise.all([outbox.settle('message', together!, pushFor(together!)), outbox.settle('message', together!, pushFor(together!))]),
    ).toEqual([1, 0]);
    // One after the other: the second finds the row gone.
    expect(await outbox.settle('message', apart!, pushFor(apart!))).toBe(1);
    expect(await outbox.settle('message', apart!, pushFor(apart!))).toBe(0);
    expect(await left([together!, apart!])).toEqual({ outbox: 0, pushes: 2 });
  });

  it('settles what is waiting for its batch when closed, a refused batch row by row', async () => {
    const [refused, fine] = await stored(2);
    const store = new OutboxStore(db);
    const settling = [
      store.settle('message', refused!, [{ ...pushFor(refused!)[0]!, device_id: randomUUID() }]),
      store.settle('message', fine!, pushFor(fine!)),
    ];
    const outcomes: string[] = [];
    settling.forEach((settled, i) =>
      settled.then(
        () => (outcomes[i] = 'settled'),
        () => (outcomes[i] = 'refused'),
      ),
    );
    await store.close();
    // Closed means done: the database may go right after.
    expect(outcomes).toEqual(['refused', 'settled']);
    expect(await left([fine!])).toEqual({ outbox: 0, pushes: 1 });
    expect(await left([refused!])).toEqual({ outbox: 1, pushes: 0 });
    expect(await Promise.allSettled(settling)).toMatchObject([{ status: 'rejected' }, { status: 'fulfilled', value: 1 }]);
  });

  it('leaves a row the database refuses to the drainer, and settles the others of its batch', async () => {
    const [refused, fine] = await stored(2);
    // A device that does not exist: the push's foreign key refuses the statement.
    const [failing, settled] = await Promise.allSettled([
      outbox.settle('message', refused!, [{ ...pushFor(refused!)[0]!, device_id: randomUUID() }]),
      outbox.settle('message', fine!, pushFor(fine!)),
    ]);
    expect(failing).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringMatching(/foreign key/) }),
    });
    expect(settled).toEqual({ status: 'fulfilled', value: 1 });
    expect(await left([refused!])).toEqual({ outbox: 1, pushes: 0 });
    expect(await left([fine!])).toEqual({ outbox: 0, pushes: 1 });
  });
});
