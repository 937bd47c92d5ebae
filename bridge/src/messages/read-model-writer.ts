// No event may stop the road (issue #10): when the database refuses a transaction's data, its
// events are written one by one, and each one still refused is set aside in dead_letters, so that
// Synapse gets its 200 and every later event goes on. A database that cannot be reached is not
// this: that error is thrown on, Synapse is answered 500 and retries.
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { isDataError, sqlStateOf } from '../store/database-errors.ts';
import type { DeadLettersStore } from '../store/dead-letters-store.ts';
import type { MessagesStore, WriteResult } from '../store/messages-store.ts';
import type { NewDeletion, NewEdit, NewMessageRow, NewReaction } from '../store/rows.ts';
import type { RoomEvent } from './matrix-event.ts';
import { storableText } from './storable-strings.ts';

export type Written = WriteResult;

/** A row to insert, a deletion to apply, an edit or a reaction to store, with the event it came from. */
export type Entry =
  | { event: RoomEvent; row: NewMessageRow }
  | { event: RoomEvent; deletion: NewDeletion }
  | { event: RoomEvent; edit: NewEdit }
  | { event: RoomEvent; reaction: NewReaction };

export interface ReadModelWriterDeps {
  messages: Pick<MessagesStore, 'write'>;
  deadLetters: DeadLettersStore;
  metrics: Metrics;
  logger: Logger;
}

// Errors carry SQL (from knex) but never values; still, a bound keeps a row and a log line small.
const MAX_ERROR_LENGTH = 1000;

export class ReadModelWriter {
  private readonly deps: ReadModelWriterDeps;

  constructor(deps: ReadModelWriterDeps) {
    this.deps = deps;
  }

  /** Writes the entries; if the database refuses their data, each alone, setting aside those it still refuses. */
  async write(entries: Entry[], txnId: string | undefined): Promise<Written> {
    const rows = entries.flatMap((entry) => ('row' in entry ? [entry.row] : []));
    const deletions = entries.flatMap((entry) => ('deletion' in entry ? [entry.deletion] : []));
    const edits = entries.flatMap((entry) => ('edit' in entry ? [entry.edit] : []));
    const reactions = entries.flatMap((entry) => ('reaction' in entry ? [entry.reaction] : []));
    try {
      return await this.deps.messages.write(rows, deletions, { edits, reactions });
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (entries.length > 1) return this.writeEach(entries, txnId);
      await this.setAside(entries[0]!.event, error, txnId);
      return { inserted: [], deleted: [], edits: [], reactions: [] };
    }
  }

  /** In the order the events came, so that their cursors follow it as they would have in one batch. */
  private async writeEach(entries: Entry[], txnId: string | undefined): Promise<Written> {
    const written: Written = { inserted: [], deleted: [], edits: [], reactions: [] };
    for (const entry of entries) {
      const { inserted, deleted, edits, reactions } = await this.write([entry], txnId);
      written.inserted.push(...inserted);
      written.deleted.push(...deleted);
      written.edits.push(...edits);
      written.reactions.push(...reactions);
    }
    return written;
  }

  /** Keeps the event for inspection and replay, counts it and logs it once (never its content). */
  async setAside(event: RoomEvent, error: unknown, txnId: string | undefined): Promise<void> {
    const message = storableText(error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
    const sqlstate = sqlStateOf(error) ?? null;
    await this.deps.deadLetters.record({
      eventId: storableText(event.event_id),
      roomId: storableText(event.room_id),
      event: JSON.stringify(event),
      error: message,
      sqlstate,
      txnId: txnId ?? null,
    });
    this.deps.metrics.deadLetters.inc();
    this.deps.logger.error(
      { eventId: event.event_id, roomId: event.room_id, txnId, sqlstate, error: message },
      'event set aside in dead_letters',
    );
  }
}
