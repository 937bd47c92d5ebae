// The read model's page statements on a real PostgreSQL: catch-up pages with the deletions that
// belong to each, blocked senders left out without short pages, history's membership answer, and
// the same answers whether rows come from the cache or from the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Database } from '../../src/store/database.ts';
import { BookingsStore } from '../../src/store/bookings-store.ts';
import { MessageRowCache } from '../../src/store/message-row-cache.ts';
import { MessagesStore } from '../../src/store/messages-store.ts';
import type { MessageRow, NewMessageRow } from '../../src/store/rows.ts';
import { SafetyStore } from '../../src/store/safety-store.ts';
import { UsersStore } from '../../src/store/users-store.ts';
import { createDatabase, TEST_PORT_SLOT } from '../support/services.ts';

let db: Database;
let store: MessagesStore;
let counter = 0;

beforeAll(async () => {
  db = openDatabase(await createDatabase(`bookingchat_test_read_model_${TEST_PORT_SLOT}`));
  await migrate(db);
  store = new MessagesStore(db, new MessageRowCache(1000));
  const users = new UsersStore(db);
  for (const id of ['cus1', 'cus2', 'cus3', 'art', 'other'])
    await users.upsert({ user_id: id, matrix_user_id: `@app_${id}:test`, name: id });
  const bookings = new BookingsStore(db);
  const fields = { title: null, status: null, starts_at: null };
  await bookings.insert('b1', '!b1:test', { customer_id: 'cus1', artist_id: 'art', ...fields });
  await bookings.insert('b2', '!b2:test', { customer_id: 'cus2', artist_id: 'art', ...fields });
  await bookings.insert('b3', '!b3:test', { customer_id: 'cus3', artist_id: 'other', ...fields });
});

afterAll(async () => {
  await db?.destroy();
});

function row(bookingId: string, senderId: string): NewMessageRow {
  const n = ++counter;
  return {
    event_id: `$e${n}`,
    booking_id: bookingId,
    room_id: `!${bookingId}:test`,
    sender_mxid: `@app_${senderId}:test`,
    sender_id: senderId,
    sender_role: senderId === 'art' ? 'artist' : 'customer',
    sender_name: senderId,
    kind: 'text',
    content: { text: `message ${n}` },
    client_id: null,
    created_at: new Date(Date.UTC(2026, 10, 1, 12, 0, n)),
  };
}

async function write(...rows: NewMessageRow[]): Promise<MessageRow[]> {
  return (await store.write(rows, [])).inserted;
}

async function newestCursor(): Promise<string> {
  const result = await db.raw('SELECT greatest((SELECT max(seq) FROM messages), (SELECT max(seq) FROM message_deletions), 0)::text AS seq');
  return result.rows[0].seq as string;
}

const ids = (rows: { event_id: string }[]) => rows.map((r) => r.event_id);

describe('catch-up', () => {
  it('pages every booking of the user in cursor order, each deletion in the page that reaches it', async () => {
    const start = await newestCursor();
    const m = await write(row('b1', 'cus1'), row('b2', 'cus2'), row('b1', 'art'), row('b3', 'cus3'), row('b2', 'art'));
    // Deleting the second message gives its tombstone a cursor after the five.
    await store.write([], [{ event_id: m[1]!.event_id, booking_id: m[1]!.booking_id, redacted_by: '@staff:test' }]);
    const [late] = await write(row('b1', 'cus1'));

    const first = await store.catchUp('art', start, 2);
    expect(ids(first.rows)).toEqual(ids([m[0]!, m[2]!]));
    expect(first.more).toBe(true);
    expect(first.deletions).toEqual([]);

    const second = await store.catchUp('art', first.rows.at(-1)!.seq, 2);
    expect(ids(second.rows)).toEqual(ids([m[4]!, late!]));
    expect(second.more).toBe(false);
    expect(second.deletions).toEqual([{ seq: expect.any(String), booking_id: 'b2', event_id: m[1]!.event_id }]);
    expect(BigInt(second.deletions[0]!.seq)).toBeLessThan(BigInt(late!.seq));

    expect(await store.catchUp('art', late!.seq, 2)).toEqual({ rows: [], more: false, deletions: [], changed: { rows: [], last: null } });
  });

  it('leaves out senders the reader blocked and still fills the page', async () => {
    const start = await newestCursor();
    const m = await write(row('b1', 'cus1'), row('b2', 'cus2'), row('b2', 'cus2'), row('b1', 'cus1'), row('b2', 'art'));
    await new SafetyStore(db).block('art', 'cus2');
    try {
      const page = await store.catchUp('art', start, 3);
      expect(ids(page.rows)).toEqual(ids([m[0]!, m[3]!, m[4]!]));
      expect(page.more).toBe(false);
      const history = await store.history('art', 'b2', undefined, 10);
      expect(ids(history.rows)).not.toContain(m[1]!.event_id);
    } finally {
      await new SafetyStore(db).unblock('art', 'cus2');
    }
  });
});

describe('history', () => {
  it('answers the booking with its page, oldest first, before a cursor', async () => {
    const m = await write(row('b3', 'cus3'), row('b3', 'other'), row('b3', 'cus3'));
    const newest = await store.history('cus3', 'b3', undefined, 2);
    expect(newest.booking?.booking_id).toBe('b3');
    expect(ids(newest.rows)).toEqual(ids([m[1]!, m[2]!]));
    const older = await store.history('cus3', 'b3', m[1]!.seq, 1);
    expect(ids(older.rows)).toEqual(ids([m[0]!]));
  });

  it('answers no booking for an unknown id, and no messages to someone not in it', async () => {
    expect(await store.history('cus3', 'nope', undefined, 10)).toEqual({ booking: undefined, rows: [] });
    const stranger = await store.history('cus1', 'b3', undefined, 10);
    expect(stranger.booking?.customer_id).toBe('cus3');
    expect(stranger.rows).toEqual([]);
  });
});

describe('the row cache', () => {
  it('changes nothing in the answers, and rows deleted since are left out', async () => {
    const uncached = new MessagesStore(db, new MessageRowCache(0));
    const tiny = new MessagesStore(db, new MessageRowCache(2));
    const m = await write(row('b1', 'cus1'), row('b1', 'art'), row('b1', 'cus1'));
    const expected = await store.history('art', 'b1', undefined, 50);
    expect(ids(expected.rows).slice(-3)).toEqual(ids(m));
    expect(await uncached.history('art', 'b1', undefined, 50)).toEqual(expected);
    expect(await tiny.history('art', 'b1', undefined, 50)).toEqual(expected);
    expect(await tiny.catchUp('art', '0', 1000)).toEqual(await uncached.catchUp('art', '0', 1000));

    // A redaction sent in another booking's room names this message: it stays.
    expect((await uncached.write([], [{ event_id: m[1]!.event_id, booking_id: 'elsewhere', redacted_by: '@staff:test' }])).deleted).toEqual(
      [],
    );
    expect(ids((await store.history('art', 'b1', undefined, 50)).rows)).toContain(m[1]!.event_id);
    await uncached.write([], [{ event_id: m[1]!.event_id, booking_id: m[1]!.booking_id, redacted_by: '@staff:test' }]);
    expect(ids((await store.history('art', 'b1', undefined, 50)).rows)).not.toContain(m[1]!.event_id);
  });
});

describe('prepared statements', () => {
  it('keep answering after another process adds columns (a rolling deploy migrating first)', async () => {
    const uncached = new MessagesStore(db, new MessageRowCache(0));
    const read = async () => {
      expect((await uncached.history('cus3', 'b3', undefined, 2)).rows).toHaveLength(2);
      expect((await uncached.catchUp('cus3', '0', 2)).rows).toHaveLength(2);
    };
    for (let i = 0; i < 8; i++) await read();
    await db.raw('ALTER TABLE bookings ADD COLUMN added_later text');
    await db.raw('ALTER TABLE messages ADD COLUMN added_later text');
    try {
      for (let i = 0; i < 8; i++) await read();
    } finally {
      await db.raw('ALTER TABLE bookings DROP COLUMN added_later');
      await db.raw('ALTER TABLE messages DROP COLUMN added_later');
    }
  });
});
