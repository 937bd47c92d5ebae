// What reconciliation with the homeserver reads from the read model: which rooms to compare,
// which of their events the read model already knows, and a lock so that of several bridge
// processes only one compares at a time.
import type { Database } from './database.ts';

export interface ActiveRoom {
  booking_id: string;
  room_id: string;
}

export interface KnownEvents {
  /** Event ids the read model holds as messages. */
  stored: Set<string>;
  /** Event ids it holds tombstones of: deleted by moderation, never to come back. */
  deleted: Set<string>;
  /** Edits it holds. */
  edits: Set<string>;
  /** Reactions it holds, given or taken back. */
  reactions: Set<string>;
  /** Of those, the ones still given. */
  givenReactions: Set<string>;
  /** Matrix ids of users erased (or being erased): nothing of theirs comes back. */
  erased: Set<string>;
}

/** Known events with none in them yet. */
export function nothingKnown(): KnownEvents {
  return { stored: new Set(), deleted: new Set(), edits: new Set(), reactions: new Set(), givenReactions: new Set(), erased: new Set() };
}

// Any constant works: it only has to be the same in every bridge process (and differ from the
// read model's write lock).
export const RECONCILIATION_LOCK = 0x72656363;

interface RawConnection {
  query(sql: string, values: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export class ReconciliationStore {
  private readonly db: Database;
  private readonly lockPasses: boolean;

  /** lockPasses: false when the pool has a single connection (embedded PGlite, one process). */
  constructor(db: Database, options: { lockPasses: boolean }) {
    this.db = db;
    this.lockPasses = options.lockPasses;
  }

  /**
   * Bookings created or updated since `since`, or with a message since then, the most recently
   * active first. A pass is rare (start-up, homeserver back), so a scan of the bookings and of
   * the recent partitions of messages is affordable.
   */
  async recentlyActive(since: Date, limit: number): Promise<ActiveRoom[]> {
    const result = await this.db.raw(
      `SELECT b.booking_id, b.room_id
         FROM bookings b
         LEFT JOIN (SELECT booking_id, max(created_at) AS last_message
                      FROM messages WHERE created_at >= ? GROUP BY booking_id) m USING (booking_id)
        WHERE b.updated_at >= ? OR m.last_message IS NOT NULL
        ORDER BY greatest(b.updated_at, m.last_message) DESC
        LIMIT ?`,
      [since, since, limit],
    );
    return result.rows as ActiveRoom[];
  }

  /** Which of these events the read model knows, and which of these senders were erased. */
  async known(eventIds: string[], senders: string[]): Promise<KnownEvents> {
    const known = nothingKnown();
    if (eventIds.length === 0) return known;
    const result = await this.db.raw(
      `SELECT event_id AS id, 'stored' AS kind FROM messages WHERE event_id = ANY(?::text[])
        UNION ALL
       SELECT event_id, 'deleted' FROM message_deletions WHERE event_id = ANY(?::text[])
        UNION ALL
       SELECT edit_event_id, 'edits' FROM message_edits WHERE edit_event_id = ANY(?::text[])
        UNION ALL
       SELECT reaction_event_id, CASE WHEN removed_at IS NULL THEN 'givenReactions' ELSE 'reactions' END
         FROM message_reactions WHERE reaction_event_id = ANY(?::text[])
        UNION ALL
       SELECT matrix_user_id, 'erased' FROM erasures WHERE matrix_user_id = ANY(?::text[])`,
      [eventIds, eventIds, eventIds, eventIds, senders],
    );
    for (const row of result.rows as { id: string; kind: keyof KnownEvents }[]) {
      known[row.kind].add(row.id);
      if (row.kind === 'givenReactions') known.reactions.add(row.id);
    }
    return known;
  }

  /**
   * Runs `pass` holding a session advisory lock, on a connection of its own (the lock goes with
   * the session if the process dies); returns false without running it when another process
   * holds the lock.
   */
  async whileLocked(pass: () => Promise<void>): Promise<boolean> {
    if (!this.lockPasses) {
      await pass();
      return true;
    }
    const connection = (await this.db.client.acquireConnection()) as RawConnection;
    try {
      const { rows } = await connection.query('SELECT pg_try_advisory_lock($1) AS locked', [RECONCILIATION_LOCK]);
      if (!rows[0]?.locked) return false;
      try {
        await pass();
        return true;
      } finally {
        await connection.query('SELECT pg_advisory_unlock($1)', [RECONCILIATION_LOCK]).catch(() => undefined);
      }
    } finally {
      await this.db.client.releaseConnection(connection);
    }
  }
}
