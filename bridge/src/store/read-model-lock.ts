// The read model's one write lock: whatever takes cursors from messages_seq (messages, tombstones,
// edits, reactions, change rows) writes under it, so that cursors commit in the order they were
// handed out and a reader that has seen cursor N never later finds a change below N appear.
import type { Knex } from 'knex';

// Any constant works: it only has to be the same in every bridge process.
const WRITE_LOCK = 0x6b636861;

/** The statement that takes it, for a transaction sent as one block (prepared.ts runTransactionBlock). */
export const LOCK_READ_MODEL = `SELECT pg_advisory_xact_lock(${WRITE_LOCK})`;

/** Takes the lock until the end of this transaction (writers queue on it). */
export async function lockReadModel(trx: Knex.Transaction): Promise<void> {
  await trx.raw(LOCK_READ_MODEL);
}
