// Monthly partitions of the messages read model, created ahead of the month they hold.
import type { Database } from './database.ts';

function monthStart(date: Date, offset: number): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
}

export function partitionName(month: Date): string {
  return `messages_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Creates the partitions from `monthsBack` before `now` to `monthsAhead` after it; idempotent. */
export async function ensureMonthlyPartitions(
  db: Database,
  now: Date,
  { monthsBack = 1, monthsAhead = 3 }: { monthsBack?: number; monthsAhead?: number } = {},
): Promise<string[]> {
  const created: string[] = [];
  for (let offset = -monthsBack; offset <= monthsAhead; offset++) {
    const from = monthStart(now, offset);
    const to = monthStart(now, offset + 1);
    const name = partitionName(from);
    const exists = await db.raw('SELECT to_regclass(?) AS t', [name]);
    if (exists.rows[0].t) continue;
    // DDL takes no bind parameters; both bounds are ISO strings made here, not input.
    await db.raw(
      `CREATE TABLE IF NOT EXISTS ?? PARTITION OF messages FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
      [name],
    );
    created.push(name);
  }
  return created;
}
