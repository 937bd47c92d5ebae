// The bridge's reads over the seeded read model, through the real facade: an artist (the heavy
// user: 20 bookings a year) opens a chat (`chat:history`, first page of 50) and comes back
// online (`sync` from a cursor with exactly `catchup` messages after it). What to read is chosen
// from the database (readPlan, in the benchmark's main thread); the reads themselves run in the
// clients' worker (facadeProbes).
import { connect } from './facade.ts';
import { expectCount, type ReadProbe } from './reads.ts';
import { seedUser } from './read-model-seed.ts';
import type { Database } from '../bridge/src/store/database.ts';

export interface ReadPlan {
  userId: string;
  /** The chat one opens: the user's most recently active booking with at least 200 messages. */
  bookingId: string;
  bookings: number;
  /** Messages of the history booking, and of all the user's bookings. */
  bookingMessages: number;
  userMessages: number;
  /** The cursor with exactly `catchup` of the user's messages after it. */
  since: string;
  /** Messages the catch-up returns: `catchup`, or fewer if the user has fewer. */
  catchupMessages: number;
}

export interface FacadeProbeOptions {
  plan: ReadPlan;
  bridgeUrl: string;
  jwtSecret: string;
  timeoutMs: number;
  historyLimit: number;
  catchup: number;
}

export interface FacadeProbes {
  history: ReadProbe;
  catchup: ReadProbe;
  /** One `sync` answer, as the catch-up probe gets it. */
  syncAnswer(): Promise<{ messages: unknown[] }>;
  close(): void;
}

export async function readPlan(db: Database, catchup: number): Promise<ReadPlan> {
  const userId = seedUser('a', 0);
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
  const total = rows.reduce((s, r) => s + r.n, 0);
  const cursor = await db.raw(
    `SELECT seq FROM messages
      WHERE booking_id IN (SELECT booking_id FROM bookings WHERE customer_id = ? OR artist_id = ?)
      ORDER BY seq DESC OFFSET ? LIMIT 1`,
    [userId, userId, catchup],
  );
  return {
    userId,
    bookingId: chosen.booking_id,
    bookings: rows.length,
    bookingMessages: chosen.n,
    userMessages: total,
    since: String((cursor.rows[0] as { seq: string } | undefined)?.seq ?? '0'),
    catchupMessages: Math.min(catchup, total),
  };
}

export async function facadeProbes(options: FacadeProbeOptions): Promise<FacadeProbes> {
  const { plan } = options;
  const socket = await connect(options.bridgeUrl, options.jwtSecret, plan.userId, 'artist');
  const sync = async () => {
    const ack = await socket.timeout(options.timeoutMs).emitWithAck('sync', { since: plan.since, limit: options.catchup });
    if (!ack.ok) throw new Error(`${ack.error.code} ${ack.error.message}`);
    return ack;
  };
  return {
    history: {
      name: 'facade chat:history',
      async call() {
        const ack = await socket
          .timeout(options.timeoutMs)
          .emitWithAck('chat:history', { bookingId: plan.bookingId, limit: options.historyLimit });
        if (!ack.ok) throw new Error(`${ack.error.code} ${ack.error.message}`);
        expectCount('messages', ack.messages.length, Math.min(options.historyLimit, plan.bookingMessages));
      },
    },
    catchup: {
      name: 'facade sync',
      async call() {
        const ack = await sync();
        expectCount('messages', ack.messages.length, plan.catchupMessages);
        if (ack.more) throw new Error('more: true after the newest message');
      },
    },
    syncAnswer: sync,
    close: () => socket.disconnect(),
  };
}
