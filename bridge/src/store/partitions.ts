// Monthly partitions of the messages read model: created ahead of the month they hold, and
// dropped whole when retention says their messages are too old.
import type { Database } from './database.ts';

function monthStart(date: Date, offset: number): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
}

export function partitionName(month: Date): string {
  return `messages_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

const PARTITION_NAME = /^messages_(\d{4})_(\d{2})$/;

// Any constant works: it only has to be the same in every bridge process.
const PARTITIONS_LOCK = 0x70617274;

/**
 * Creates the partitions from `monthsBack` before `now` to `monthsAhead` after it; idempotent.
 * Rows that landed in the DEFAULT partition for that month move into the new one, so creating
 * a partition late never fails.
 */
export async function ensureMonthlyPartitions(
  db: Database,
  now: Date,
  { monthsBack = 1, monthsAhead = 3 }: { monthsBack?: number; monthsAhead?: number } = {},
): Promise<string[]> {
  const existing = new Set(await listPartitions(db));
  const created: string[] = [];
  for (let offset = -monthsBack; offset <= monthsAhead; offset++) {
    const from = monthStart(now, offset);
    const name = partitionName(from);
    if (existing.has(name)) continue;
    // DDL takes no bind parameters; both bounds are ISO strings made here, not input.
    const bounds = `FROM ('${from.toISOString()}') TO ('${monthStart(now, offset + 1).toISOString()}')`;
    const made = await db.transaction(async (trx) => {
      // Several processes start together: one creates each partition, the others find it made.
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [PARTITIONS_LOCK]);
      const { rows } = await trx.raw('SELECT to_regclass(?) IS NOT NULL AS present', [name]);
      if (rows[0].present) return false;
      await trx.raw('CREATE TABLE ?? (LIKE messages INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', [name]);
      await trx.raw(
        `WITH moved AS (DELETE FROM messages_default WHERE created_at >= ? AND created_at < ? RETURNING *)
         INSERT INTO ?? SELECT * FROM moved`,
        [from.toISOString(), monthStart(now, offset + 1).toISOString(), name],
      );
      await trx.raw(`ALTER TABLE messages ATTACH PARTITION ?? FOR VALUES ${bounds}`, [name]);
      return true;
    });
    if (made) created.push(name);
  }
  return created;
}

export async function listPartitions(db: Database): Promise<string[]> {
  const result = await db.raw(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'messages' ORDER BY c.relname`,
  );
  return (result.rows as { name: string }[]).map((r) => r.name).filter((n) => PARTITION_NAME.test(n));
}

/**
 * Drops every monthly partition that ends at or before `cutoff`, deletes older strays from the
 * DEFAULT partition, and moves the read model's horizon forward. Returns the dropped names.
 */
export async function dropPartitionsBefore(db: Database, cutoff: Date): Promise<string[]> {
  const dropped: string[] = [];
  let horizon: Date | undefined;
  for (const name of await listPartitions(db)) {
    const [, year, month] = name.match(PARTITION_NAME)!;
    const end = new Date(Date.UTC(Number(year), Number(month), 1));
    if (end > cutoff) continue;
    await db.raw('DROP TABLE ??', [name]);
    dropped.push(name);
    if (!horizon || end > horizon) horizon = end;
  }
  if (horizon) {
    await db('messages_default').where('created_at', '<', horizon).delete();
    await db('read_model_state').update({ horizon }).where('horizon', '<', horizon).orWhereNull('horizon');
  }
  return dropped;
}

/** Messages created before this instant may be missing from the read model (null: none are). */
export async function readModelHorizon(db: Database): Promise<Date | null> {
  const row = await db('read_model_state').first('horizon');
  return row?.horizon ?? null;
}
