// The bridge's reads over the seeded read model, through the real facade: an artist (the heavy
// user: 20 bookings a year) opens a chat (`chat:history`, first page of 50) and comes back
// online (`sync` from a cursor with exactly `catchup` messages after it).
import { connect } from './facade.ts';
import { expectCount, type ReadProbe } from './reads.ts';
import { seedUser } from './read-model-seed.ts';
import type { Database } from '../bridge/src/store/database.ts';

export interface FacadeReadsOptions {
  db: Database;
  bridgeUrl: string;
  jwtSecret: string;
  timeoutMs: number;
  historyLimit: number;
  catchup: number;
}

export interface FacadeReads {
  history: ReadProbe;
  catchup: ReadProbe;
  userId: string;
  bookings: number;
  /** Messages of the history booking, and of all the user's bookings. */
  bookingMessages: number;
  userMessages: number;
  /** Messages the catch-up returns: `catchup`, or fewer if the user has fewer. */
  catchupMessages: number;
  close(): Promise<void>;
}

/** The chat one opens: the user's most recently active booking with at least 200 messages. */
async function pickBooking(db: Database, userId: string): Promise<{ bookingId: string; messages: number; bookings: number; total: number }> {
  const result = await db.raw(
    `SELECT b.booking_id, count(m.seq)::int AS n, max(m.seq) AS newest
       FROM bookings b LEFT JOIN messages m ON m.booking_id = b.booking_id
      WHERE b.customer_id = ? OR b.artist_id = ?
      GROUP BY b.booking_id`,
    [userId, userId],
  );
  const rows = result.rows as { booking_id: string; n: number; newest: string | null }[];
  const newest = (r: { newest: string | null }) => BigInt(r.newest ?? 0);
  const busy = rows.filter((r) => r.n >= 200).sort((a, b) => (newest(b) > newest(a) ? 1 : -1));
  const chosen = busy[0] ?? rows.sort((a, b) => b.n - a.n)[0];
  if (!chosen) throw new Error(`the seeded read model has no booking of ${userId}`);
  return { bookingId: chosen.booking_id, messages: chosen.n, bookings: rows.length, total: rows.reduce((s, r) => s + r.n, 0) };
}

/** The cursor with exactly `count` of the user's messages after it ("0" when they have fewer). */
async function cursorBefore(db: Database, userId: string, count: number): Promise<string> {
  const result = await db.raw(
    `SELECT seq FROM messages
      WHERE booking_id IN (SELECT booking_id FROM bookings WHERE customer_id = ? OR artist_id = ?)
      ORDER BY seq DESC OFFSET ? LIMIT 1`,
    [userId, userId, count],
  );
  return String((result.rows[0] as { seq: string } | undefined)?.seq ?? '0');
}

export async function startFacadeReads(options: FacadeReadsOptions): Promise<FacadeReads> {
  const userId = seedUser('a', 0);
  const booking = await pickBooking(options.db, userId);
  const since = await cursorBefore(options.db, userId, options.catchup);
  const catchupMessages = Math.min(options.catchup, booking.total);
  const socket = await connect(options.bridgeUrl, options.jwtSecret, userId, 'artist');

  const history: ReadProbe = {
    name: 'facade chat:history',
    async call() {
      const ack = await socket
        .timeout(options.timeoutMs)
        .emitWithAck('chat:history', { bookingId: booking.bookingId, limit: options.historyLimit });
      if (!ack.ok) throw new Error(`${ack.error.code} ${ack.error.message}`);
      expectCount('messages', ack.messages.length, Math.min(options.historyLimit, booking.messages));
    },
  };
  const catchup: ReadProbe = {
    name: 'facade sync',
    async call() {
      const ack = await socket.timeout(options.timeoutMs).emitWithAck('sync', { since, limit: options.catchup });
      if (!ack.ok) throw new Error(`${ack.error.code} ${ack.error.message}`);
      expectCount('messages', ack.messages.length, catchupMessages);
      if (ack.more) throw new Error('more: true after the newest message');
    },
  };
  return {
    history,
    catchup,
    userId,
    bookings: booking.bookings,
    bookingMessages: booking.messages,
    userMessages: booking.total,
    catchupMessages,
    async close() {
      socket.disconnect();
    },
  };
}
