// A year of a busy marketplace in the bridge's read model, written in SQL (generate_series):
// customers and artists, bookings with fake room ids (only ever read from the read model), and
// messages spread over 12 monthly partitions. Each booking talks during its own 30-day window,
// and messages are inserted in time order so that `seq` (the column default, from
// messages_seq) grows with created_at as it does in production.
import { performance } from 'node:perf_hooks';
import type { Database } from '../bridge/src/store/database.ts';
import { ensureMonthlyPartitions } from '../bridge/src/store/partitions.ts';
import { BENCH_SERVER_NAME } from './stack.ts';

export interface SeedOptions {
  messages: number;
  bookings: number;
  /** Each customer books twice: a few hundred messages each. */
  customers: number;
  /** Artists are the heavy users: bookings / artists bookings each, thousands of messages. */
  artists: number;
  months: number;
}

export interface SeedResult {
  messages: number;
  bookings: number;
  /** Monthly partitions that received messages. */
  partitions: number;
  seconds: number;
  /** Seconds per step: partitions, users and bookings, messages, vacuum. */
  steps: Record<string, number>;
}

const DAY_MS = 86_400_000;
const WINDOW_DAYS = 30;

export const seedUser = (kind: 'c' | 'a', n: number) => `seed-${kind}-${n}`;

/** Scales the shape with the number of messages: ~200 messages per booking at any size. */
export function seedOptions(messages: number): SeedOptions {
  const bookings = Math.max(20, Math.round(messages / 200));
  return {
    messages,
    bookings,
    customers: Math.max(10, Math.round(bookings / 2)),
    artists: Math.max(1, Math.round(bookings / 20)),
    months: 12,
  };
}

function monthStart(now: Date, offset: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
}

export async function seedReadModel(db: Database, options: SeedOptions, now = new Date()): Promise<SeedResult> {
  const started = performance.now();
  const steps: Record<string, number> = {};
  let last = started;
  const step = (name: string) => {
    const at = performance.now();
    steps[name] = Math.round(at - last) / 1000;
    last = at;
  };
  await ensureMonthlyPartitions(db, now, { monthsBack: options.months });
  step('partitions');
  // The current month and the 11 before it; the newest message is a minute old.
  const from = monthStart(now, 1 - options.months);
  const until = new Date(now.getTime() - 60_000);
  const spanMs = until.getTime() - from.getTime();
  const windowMs = Math.min(WINDOW_DAYS * DAY_MS, spanMs / 2);
  const { customers, artists, bookings, messages } = options;

  await db.transaction(async (trx) => {
    // One big sort: keep it in memory rather than in temporary files.
    await trx.raw(`SET LOCAL work_mem = '256MB'`);
    await trx.raw('SELECT setseed(0.42)');
    await trx.raw(
      `INSERT INTO app_users (user_id, matrix_user_id, name)
       SELECT 'seed-' || k || '-' || n, '@app_seed-' || k || '-' || n || ':${BENCH_SERVER_NAME}',
              CASE k WHEN 'c' THEN 'Customer ' ELSE 'Artist ' END || n
         FROM (SELECT 'c' AS k, n FROM generate_series(0, ?::int - 1) n
               UNION ALL SELECT 'a', n FROM generate_series(0, ?::int - 1) n) u`,
      [customers, artists],
    );
    // Booking b is artist a = b mod A's k-th (k = b div A); its window starts at frac(k·φ + a/A) of
    // the year, so every artist's bookings spread evenly over the year, and all bookings too.
    await trx.raw(
      `INSERT INTO bookings (booking_id, room_id, customer_id, artist_id, title, status, starts_at, created_at)
       SELECT 'seed-' || b, '!seed' || b || ':bench', 'seed-c-' || (b % ?::int), 'seed-a-' || (b % ?::int),
              'Booking ' || b, 'confirmed', w.start + interval '25 days', w.start
         FROM generate_series(0, ?::int - 1) b,
              LATERAL (SELECT ?::timestamptz
                              + (((b / ?::int) * 0.6180339887 + (b % ?::int)::numeric / ?::int) % 1)
                                * ?::double precision * interval '1 millisecond' AS start) w`,
      [customers, artists, bookings, from.toISOString(), artists, artists, artists, spanMs - windowMs],
    );
    step('bookings');
    await trx.raw(
      `INSERT INTO messages (event_id, booking_id, room_id, sender_mxid, sender_id, sender_role, sender_name,
                             kind, content, client_id, created_at)
       SELECT '$seed' || lpad(i::text, 10, '0') || 'xAbCdEfGhIjKlMnOpQrStUvWxYz',
              'seed-' || b, '!seed' || b || ':bench',
              '@app_' || sender || ':${BENCH_SERVER_NAME}', sender, role,
              CASE role WHEN 'customer' THEN 'Customer ' ELSE 'Artist ' END || split_part(sender, '-', 3),
              'text',
              jsonb_build_object('text', '#' || i || ' ' || (ARRAY[
                'Hi! Could we meet 10 minutes earlier at the studio entrance\\? I will bring the photos.',
                'Sure, that works for me. Please send a reference picture of the hair style you like.',
                'I am running about 5 minutes late, the traffic on the bridge is terrible this morning.',
                'Thanks a lot, the make-up was perfect and lasted the whole evening. See you next time!'
              ])[1 + i % 4]),
              lpad(to_hex(i), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(b), 12, '0'),
              ts
         FROM (SELECT r.i, r.b,
                      CASE WHEN r.i % 2 = 0 THEN k.customer_id ELSE k.artist_id END AS sender,
                      CASE WHEN r.i % 2 = 0 THEN 'customer' ELSE 'artist' END AS role,
                      k.created_at + random() * ?::double precision * interval '1 millisecond' AS ts
                 FROM (SELECT i, floor(random() * ?::int)::int AS b FROM generate_series(1, ?::int) i) r
                 JOIN bookings k ON k.booking_id = 'seed-' || r.b
                ORDER BY ts) m`,
      [windowMs, bookings, messages],
    );
  });
  step('messages');
  // Fresh statistics and a set visibility map, as a table that autovacuum keeps up with has.
  await db.raw('VACUUM (ANALYZE) messages, bookings, app_users');
  step('vacuum');

  const filled = await db.raw(`SELECT count(*)::int AS n FROM (SELECT DISTINCT tableoid FROM messages) p`);
  return {
    messages,
    bookings,
    partitions: (filled.rows[0] as { n: number }).n,
    seconds: (performance.now() - started) / 1000,
    steps,
  };
}
