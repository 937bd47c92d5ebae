// Edits and reactions of messages (migrations/009): written inside the read model's storing
// transaction (messages-store.ts), read beside the immutable message rows as each message's
// current state, and logged in message_changes so that `sync` returns every changed message once.
import type { Knex } from 'knex';
import type { Database } from './database.ts';
import { runPrepared, type PreparedStatement } from './prepared.ts';
import type { EditRow, NewEdit, NewReaction, ReactionRow } from './rows.ts';

/** What changed about a message since it was written, in one read. */
export interface MessageState {
  /** The newest edit's text and time, when it was edited. */
  edit?: { text: string; at: Date };
  /** Reactions now on it, oldest first. */
  reactions: { key: string; userId: string }[];
}

/** A message that another one replies to, as it is now (absent: deleted or never in the read model). */
export interface ReplyTarget {
  kind: string;
  text: string | null;
}

export interface ConversationWrites {
  edits: NewEdit[];
  reactions: NewReaction[];
}

export const NO_CONVERSATION_WRITES: ConversationWrites = { edits: [], reactions: [] };

/** Stores the edits whose target is a text message of the same sender and booking; returns those stored. */
export async function insertEdits(trx: Knex.Transaction, edits: NewEdit[]): Promise<EditRow[]> {
  const stored: EditRow[] = [];
  for (const edit of edits) {
    const result = await trx.raw(
      `INSERT INTO message_edits (edit_event_id, target_event_id, booking_id, sender_id, text, created_at)
       SELECT ?, m.event_id, m.booking_id, ?, ?, ? FROM messages m
        WHERE m.event_id = ? AND m.booking_id = ? AND m.sender_mxid = ? AND m.kind = 'text'
        LIMIT 1
       ON CONFLICT DO NOTHING
       RETURNING edit_event_id, target_event_id, booking_id, sender_id`,
      [edit.edit_event_id, edit.sender_id, edit.text, edit.created_at, edit.target_event_id, edit.booking_id, edit.sender_mxid],
    );
    stored.push(...(result.rows as EditRow[]));
  }
  await logChanges(trx, stored);
  return stored;
}

/** Stores reactions to messages of their booking; a key the user already has there is left out. */
export async function insertReactions(trx: Knex.Transaction, reactions: NewReaction[]): Promise<ReactionRow[]> {
  const stored: ReactionRow[] = [];
  for (const reaction of reactions) {
    const result = await trx.raw(
      `INSERT INTO message_reactions (reaction_event_id, target_event_id, booking_id, user_id, key, created_at)
       SELECT ?, m.event_id, m.booking_id, ?, ?, ? FROM messages m
        WHERE m.event_id = ? AND m.booking_id = ?
        LIMIT 1
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [reaction.reaction_event_id, reaction.user_id, reaction.key, reaction.created_at, reaction.target_event_id, reaction.booking_id],
    );
    stored.push(...(result.rows as ReactionRow[]));
  }
  await logChanges(trx, stored);
  return stored;
}

/** A redaction of a reaction event (unreact): marks it removed; undefined when it names no live reaction of that booking. */
export async function removeReaction(trx: Knex.Transaction, eventId: string, bookingId: string): Promise<ReactionRow | undefined> {
  const [removed] = (await trx('message_reactions')
    .where({ reaction_event_id: eventId, booking_id: bookingId })
    .whereNull('removed_at')
    .update({ removed_at: trx.fn.now() })
    .returning('*')) as ReactionRow[];
  if (removed) await logChanges(trx, [removed]);
  return removed;
}

/**
 * Retention: edits, reactions and change-log rows older than `cutoff` go with the partitions of
 * their messages (each is newer than its message, so its message is already gone).
 */
export async function deleteConversationBefore(db: Database, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (const table of ['message_edits', 'message_reactions', 'message_changes']) {
    deleted += await db(table).where('created_at', '<', cutoff).delete();
  }
  return deleted;
}

async function logChanges(trx: Knex.Transaction, changed: { booking_id: string; target_event_id: string }[]): Promise<void> {
  if (changed.length === 0) return;
  await trx('message_changes').insert(changed.map(({ booking_id, target_event_id }) => ({ booking_id, target_event_id })));
}

// Each id's newest edit, its live reactions ($2: the page's messages) and, for a reply's target
// ($3), what it is now: one round trip for a whole page. The conditions on $2 and $3 name no
// column, so PostgreSQL checks them once per id before the scan they guard (a target's row is
// looked for in every monthly partition: only for reply targets).
const STATES: PreparedStatement = {
  name: 'message_states',
  text: `SELECT ids.event_id, e.text AS edit_text, e.created_at AS edit_at, r.reactions, m.kind, m.content->>'text' AS text, m.present
           FROM unnest($1::text[]) AS ids(event_id)
           LEFT JOIN LATERAL (SELECT text, created_at FROM message_edits
                               WHERE target_event_id = ids.event_id ORDER BY seq DESC LIMIT 1) e ON true
           LEFT JOIN LATERAL (SELECT json_agg(json_build_object('key', key, 'userId', user_id) ORDER BY created_at, reaction_event_id) AS reactions
                                FROM message_reactions
                               WHERE ids.event_id = ANY($2::text[]) AND target_event_id = ids.event_id AND removed_at IS NULL) r ON true
           LEFT JOIN LATERAL (SELECT kind, content, true AS present FROM messages
                               WHERE ids.event_id = ANY($3::text[]) AND event_id = ids.event_id LIMIT 1) m ON true`,
};

interface StateRow {
  event_id: string;
  edit_text: string | null;
  edit_at: Date | null;
  reactions: MessageState['reactions'] | null;
  kind: string | null;
  text: string | null;
  present: boolean | null;
}

export interface States {
  states: Map<string, MessageState>;
  replyTargets: Map<string, ReplyTarget>;
}

export class ConversationStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** The current state of these messages and of the messages these replies point at. */
  async states(eventIds: string[], replyTargetIds: string[]): Promise<States> {
    const states = new Map<string, MessageState>();
    const replyTargets = new Map<string, ReplyTarget>();
    const ids = [...new Set([...eventIds, ...replyTargetIds])];
    if (ids.length === 0) return { states, replyTargets };
    for (const row of await runPrepared<StateRow>(this.db, STATES, [ids, eventIds, replyTargetIds])) {
      const edit = row.edit_text !== null && row.edit_at !== null ? { text: row.edit_text, at: row.edit_at } : undefined;
      states.set(row.event_id, { ...(edit && { edit }), reactions: row.reactions ?? [] });
      if (row.present) replyTargets.set(row.event_id, { kind: row.kind!, text: edit?.text ?? row.text });
    }
    return { states, replyTargets };
  }

  /** The user's live reaction with this key on that message, if any. */
  async activeReaction(targetEventId: string, userId: string, key: string): Promise<ReactionRow | undefined> {
    return this.db<ReactionRow>('message_reactions')
      .where({ target_event_id: targetEventId, user_id: userId, key })
      .whereNull('removed_at')
      .first();
  }

  /** The different keys a message carries now. */
  async keysOn(targetEventId: string): Promise<Set<string>> {
    const rows: { key: string }[] = await this.db('message_reactions')
      .where({ target_event_id: targetEventId })
      .whereNull('removed_at')
      .distinct('key');
    return new Set(rows.map((row) => row.key));
  }

  async reaction(reactionEventId: string): Promise<ReactionRow | undefined> {
    return this.db<ReactionRow>('message_reactions').where({ reaction_event_id: reactionEventId }).first();
  }

  async edit(editEventId: string): Promise<EditRow | undefined> {
    return this.db<EditRow>('message_edits')
      .where({ edit_event_id: editEventId })
      .first('edit_event_id', 'target_event_id', 'booking_id', 'sender_id');
  }

  /** Every version of a message's text after the original, oldest first (moderation keeps them all). */
  async editsOf(targetEventId: string): Promise<{ text: string; at: Date }[]> {
    return this.db('message_edits').where({ target_event_id: targetEventId }).orderBy('seq').select('text', { at: 'created_at' });
  }
}
