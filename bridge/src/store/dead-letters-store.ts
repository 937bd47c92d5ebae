// Events set aside because the read model refused them (migrations/007_dead_letters.ts).
import type { Database } from './database.ts';

export interface NewDeadLetter {
  eventId: string;
  roomId: string;
  /** The event as JSON text. */
  event: string;
  error: string;
  sqlstate: string | null;
  txnId: string | null;
}

export interface DeadLetterRow {
  id: string;
  event_id: string;
  room_id: string;
  event: string;
  error: string;
  sqlstate: string | null;
  txn_id: string | null;
  attempts: number;
  first_failed_at: Date;
  last_failed_at: Date;
  replayed_at: Date | null;
}

export class DeadLettersStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** One row per event: setting the same event aside again counts an attempt and keeps the latest error. */
  async record(letter: NewDeadLetter): Promise<void> {
    await this.db('dead_letters')
      .insert({
        event_id: letter.eventId,
        room_id: letter.roomId,
        event: letter.event,
        error: letter.error,
        sqlstate: letter.sqlstate,
        txn_id: letter.txnId,
      })
      .onConflict('event_id')
      .merge({
        event: letter.event,
        error: letter.error,
        sqlstate: letter.sqlstate,
        txn_id: letter.txnId,
        attempts: this.db.raw('dead_letters.attempts + 1'),
        last_failed_at: this.db.fn.now(),
        replayed_at: null,
      });
  }

  /** Oldest first; with `all`, those already replayed too. */
  async list(options: { all?: boolean } = {}): Promise<DeadLetterRow[]> {
    const query = this.db<DeadLetterRow>('dead_letters').orderBy('id');
    return options.all ? query : query.whereNull('replayed_at');
  }

  async get(id: string): Promise<DeadLetterRow | undefined> {
    return this.db<DeadLetterRow>('dead_letters').where({ id }).first();
  }

  /** Marks a replay stored, unless the replay set the event aside again (its attempts moved on). */
  async markReplayed(letter: Pick<DeadLetterRow, 'id' | 'attempts'>): Promise<boolean> {
    const updated = await this.db('dead_letters')
      .where({ id: letter.id, attempts: letter.attempts })
      .update({ replayed_at: this.db.fn.now() });
    return updated === 1;
  }
}
